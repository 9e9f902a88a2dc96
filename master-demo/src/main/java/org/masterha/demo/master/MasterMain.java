package org.masterha.demo.master;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.Flags;
import org.masterha.ha.HaBackends;

/**
 * {@code masterha master}: runs one {@link DemoMaster} until it must exit or is stopped by a
 * signal.
 */
public final class MasterMain {
  private MasterMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    return Cli.run(
        "masterha master",
        MasterOptions.USAGE,
        System.err,
        () -> {
          Flags.Parsed flags = MasterOptions.FLAGS.parse(args);
          if (flags.help()) {
            System.out.print(MasterOptions.USAGE);
            return Cli.EXIT_OK;
          }
          HaBackends backends = HaBackends.load();
          MasterOptions options = MasterOptions.parse(flags, backends);
          CompletableFuture<Integer> exitCode = new CompletableFuture<>();
          DemoMaster master = new DemoMaster(options, backends, exitCode::complete);
          // SIGTERM / Ctrl-C: step down and delete our members at once, so the next master takes
          // over in milliseconds.
          Runtime.getRuntime().addShutdownHook(new Thread(master::close, "master-shutdown"));
          try {
            master.start();
          } catch (IOException e) {
            System.err.println("masterha master: " + e.getMessage());
            return Cli.EXIT_FAILURE;
          }
          return exitCode.join();
        });
  }
}
