package org.masterha.tools.resolve;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.ExitException;
import org.masterha.demo.common.Flags;
import org.masterha.demo.common.HaFlags;
import org.masterha.demo.common.StoreProbe;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.Durations;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.leader.LeaderListener;
import org.masterha.masterinfo.MasterInfoCodec;

/**
 * {@code masterha resolve <url>}, after Mesos' {@code mesos-resolve}: prints the leading master's
 * MasterInfo as Mesos JSON on standard output; exit 1 when there is none within the timeout. With
 * {@code --watch} it prints a line for every change ({@code null} when there is no leader) until
 * stopped.
 *
 * <p>A store that cannot be reached is said in one line; the store client's own log (connection
 * attempts, stack traces) is shown only with {@code --verbose}.
 */
public final class ResolveMain {
  /**
   * Read by logback.xml: the level of the process's log (root) and of the store clients' loggers.
   * resolve keeps both off unless {@code --verbose}.
   */
  static final String LOG_LEVEL_PROPERTY = "masterha.log.level";

  static final String CLIENT_LOG_LEVEL_PROPERTY = "masterha.client.log.level";

  // resolve only reads, but a session is still opened: 20s is accepted by a Consul agent's default
  // session_ttl_min
  // (10s, and the session timeout must be twice that); on ZooKeeper and etcd it changes nothing a
  // reader sees.
  static final Flags FLAGS =
      HaFlags.define(Flags.builder(), "20s")
          .value("timeout", "DURATION", "how long to wait for the store and a leader", "5s")
          .bool("watch", "keep running and print every change of leader")
          .bool("verbose", "show the store client's log (connection attempts) and stack traces")
          .positionals("URL", 1)
          .build();

  static final String USAGE =
      "Usage: masterha resolve <URL> [--timeout=5s] [--watch] [--verbose] [flags]\n\n"
          + "Prints the current leader's MasterInfo as Mesos JSON (one line). The URL is the masters' HA URL,\n"
          + "e.g. zk://127.0.0.1:2181/mesos; --ha-url may be used instead of the argument.\n"
          + "Exit codes: 0 a leader was printed; 1 no leader within the timeout, the store could not be reached within the\n"
          + "timeout, or leader detection failed; 2 bad flags; 130 stopped by Ctrl-C (SIGINT), 143 by SIGTERM (--watch\n"
          + "runs until stopped).\n\n"
          + "Flags:\n"
          + FLAGS.describe();

  private ResolveMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    return Cli.run(
        "masterha resolve",
        USAGE,
        err,
        () -> {
          Flags.Parsed p = FLAGS.parse(args);
          if (p.help()) {
            out.print(USAGE);
            return Cli.EXIT_OK;
          }
          boolean verbose = p.bool("verbose");
          Cli.verbose(verbose);
          if (!verbose) {
            // Before the first logger exists (logback reads these when it starts): nothing but
            // resolve's own lines.
            System.setProperty(LOG_LEVEL_PROPERTY, System.getProperty(LOG_LEVEL_PROPERTY, "OFF"));
            System.setProperty(
                CLIENT_LOG_LEVEL_PROPERTY, System.getProperty(CLIENT_LOG_LEVEL_PROPERTY, "OFF"));
          }
          Optional<String> url = p.positionals().stream().findFirst();
          if (url.isPresent() && p.given("ha-url")) {
            throw new UsageException(
                "the URL is given both as an argument and as --ha-url; give it once");
          }
          if (url.isEmpty() && !p.given("ha-url")) {
            throw new UsageException(
                "no URL given; e.g. masterha resolve zk://127.0.0.1:2181/mesos");
          }
          HaBackends backends = HaBackends.load();
          HaConfig config = HaFlags.config(p, url, backends);
          Duration timeout = p.duration("timeout", Duration.ZERO, Duration.ofHours(24));
          long deadline = System.nanoTime() + timeout.toNanos();
          // The store first: a client left to find out by itself retries (and logs) until the
          // timeout, and then all
          // one could say is "no leader".
          Optional<String> unreachable = StoreProbe.unreachable(config.url(), timeout);
          if (unreachable.isPresent()) {
            throw new ExitException(
                Cli.EXIT_FAILURE, unreachable.get() + "; check that the store runs there");
          }
          try (HaSession session = backends.open(config);
              Detector detector = session.detector()) {
            if (p.bool("watch")) {
              return watch(detector, out);
            }
            Optional<Leader> leader;
            try {
              // The first answer may be "no leader"; wait for one until the deadline.
              leader =
                  detector
                      .detect(Optional.empty())
                      .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
              while (leader.isEmpty()) {
                leader =
                    detector
                        .detect(leader)
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
              }
            } catch (TimeoutException e) {
              err.println(
                  "masterha resolve: no leading master at "
                      + config.url()
                      + " within "
                      + Durations.format(timeout));
              return Cli.EXIT_FAILURE;
            } catch (ExecutionException e) {
              throw new ExitException(
                  Cli.EXIT_FAILURE,
                  "leader detection at " + config.url() + " failed: " + Cli.message(e),
                  e);
            }
            out.println(
                new String(MasterInfoCodec.toJson(leader.get().info()), StandardCharsets.UTF_8));
            out.flush();
            return Cli.EXIT_OK;
          }
        });
  }

  private static int watch(Detector detector, PrintStream out) throws InterruptedException {
    // One line per leader and per change (null while there is none), until detection fails or the
    // process stops.
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    try (Detector.Following following =
        detector.follow(
            new LeaderListener() {
              @Override
              public void leaderChanged(Optional<Leader> leader) {
                out.println(
                    leader
                        .map(
                            l ->
                                new String(
                                    MasterInfoCodec.toJson(l.info()), StandardCharsets.UTF_8))
                        .orElse("null"));
                out.flush();
              }

              @Override
              public void detectionFailed(Throwable cause) {
                failed.complete(cause);
              }
            })) {
      Throwable cause;
      try {
        cause = failed.get();
      } catch (ExecutionException e) {
        cause = e.getCause();
      }
      throw new ExitException(
          Cli.EXIT_FAILURE, "leader detection failed: " + Cli.message(cause), cause);
    }
  }
}
