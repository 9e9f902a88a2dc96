package org.masterha.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/masterha bench}: starts the stores, runs the scenarios for masterha and the raw recipe
 * on each (masterha alone on raft), reads the store servers' memory and data on disk, prints the
 * table and writes {@code bench.json} and {@code bench.md}.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Only masterha's errors: the clients' own logs (a recipe closed while it checks leadership, a
   * contender JVM killed on purpose) would bury the progress line.
   */
  static void quietLogging() {
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
      root.setLevel(Level.OFF);
    }
    if (LoggerFactory.getLogger("org.masterha") instanceof Logger masterha) {
      masterha.setLevel(Level.ERROR);
    }
    // gRPC (jetcd) logs through java.util.logging: a GOAWAY or a keepalive backoff is no figure.
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.OFF);
  }

  /** Runs the harness; returns the exit code: 0 done, 1 a scenario failed to run, 2 a bad flag. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.equals("help")) {
        out.print(BenchOptions.USAGE);
        return 0;
      }
    }
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (BenchOptions.BadFlag e) {
      err.println("masterha bench: " + e.getMessage());
      err.println("masterha bench --help lists every option");
      return 2;
    }
    quietLogging();
    List<Figure> figures = new ArrayList<>();
    Map<String, String> context = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    Scenarios.Progress progress = new Scenarios.Progress(err);
    long started = System.nanoTime();
    try {
      Files.createDirectories(o.out());
      Path logDir = o.out().resolve("logs").toAbsolutePath();
      context.put("command", "bin/masterha bench " + String.join(" ", args));
      context.put(
          "machine",
          Runtime.getRuntime().availableProcessors()
              + " cores, "
              + System.getProperty("os.name")
              + " "
              + System.getProperty("os.arch")
              + ", Java "
              + System.getProperty("java.version")
              + ", load average at start "
              + String.format(
                  "%.2f",
                  java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                      .getSystemLoadAverage()));
      context.put(
          "sizes",
          String.format(
              "%d rounds, %d contenders, %d detectors on %d sessions, fan-out %s,"
                  + " %d crash rounds, session timeout %d ms, idle window %d ms",
              o.rounds(),
              o.contenders(),
              o.detectors(),
              o.detectorSessions(),
              o.fanout(),
              o.crashRounds(),
              o.sessionTimeout().toMillis(),
              o.idle().toMillis()));
      for (String name : o.backends()) {
        progress.show("[" + name + "] starting the store");
        try (BenchStore store = BenchStore.start(name, o, logDir)) {
          context.put(
              "store " + name, store.describe() + "; requests counted: " + store.requestCounter());
          Footprint footprint = Footprint.atStart(store);
          Scenarios scenarios = new Scenarios(o, store, logDir, progress, figures);
          for (String scenario : o.scenarios()) {
            long t = System.nanoTime();
            try {
              scenarios.run(scenario);
              progress.done(
                  String.format(
                      "[%s %s] took %.1f s", name, scenario, (System.nanoTime() - t) / 1e9));
            } catch (Exception e) {
              String why = name + " " + scenario + ": " + e;
              failures.add(why);
              progress.done("[" + name + " " + scenario + "] FAILED: " + e);
            }
          }
          try {
            footprint.addFigures(figures);
          } catch (RuntimeException e) {
            failures.add(name + " footprint: " + e);
            progress.done("[" + name + " footprint] FAILED: " + e);
          }
        } catch (Exception e) {
          failures.add(name + ": the store did not start: " + e);
          progress.done("[" + name + "] FAILED to start: " + e);
        }
      }
      context.put("duration", String.format("%.0f s", (System.nanoTime() - started) / 1e9));
      if (!failures.isEmpty()) {
        context.put("failures", String.join("; ", failures));
      }
      Report.write(o.out(), figures, context);
    } catch (Exception e) {
      err.println("masterha bench: " + e);
      return 1;
    }
    out.print(Report.table(figures));
    out.println();
    out.println("written: " + o.out().resolve("bench.json") + ", " + o.out().resolve("bench.md"));
    if (!failures.isEmpty()) {
      err.println("masterha bench: " + failures.size() + " scenario(s) failed to run:");
      failures.forEach(f -> err.println("  " + f));
      return 1;
    }
    return 0;
  }
}
