package org.masterha.demo.agent;

import java.util.concurrent.CompletableFuture;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.Flags;
import org.masterha.ha.HaBackends;

/** {@code masterha agent}: runs one {@link DemoAgent} until it is stopped by a signal. */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    return Cli.run(
        "masterha agent",
        AgentOptions.USAGE,
        System.err,
        () -> {
          Flags.Parsed flags = AgentOptions.FLAGS.parse(args);
          if (flags.help()) {
            System.out.print(AgentOptions.USAGE);
            return Cli.EXIT_OK;
          }
          HaBackends backends = HaBackends.load();
          AgentOptions options = AgentOptions.parse(flags, backends);
          LeaderSource source =
              options
                  .ha()
                  .<LeaderSource>map(ha -> new HaLeaderSource(backends, ha))
                  .orElseGet(
                      () ->
                          new StreamLeaderSource(
                              options.masters(), options.heartbeatInterval(), options.tls()));
          CompletableFuture<Integer> exitCode = new CompletableFuture<>();
          DemoAgent agent = new DemoAgent(options, source, exitCode::complete);
          Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
          agent.start();
          return exitCode.join();
        });
  }
}
