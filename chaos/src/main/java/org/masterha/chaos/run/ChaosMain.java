package org.masterha.chaos.run;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.masterha.chaos.check.Summary;

/**
 * {@code bin/masterha chaos}: the fault campaign. For each store, starts a real store cluster and 3
 * to 5 node processes behind proxies, injects {@code --faults} randomized faults drawn from {@code
 * --seed}, then checks the merged history and prints a summary per store.
 */
public final class ChaosMain {
  static final String USAGE =
      """
      usage: masterha chaos --backend=zookeeper|etcd|consul|raft|all --faults=N --seed=S [options]

      A fault campaign: master processes (the chaos node) contend on a real store cluster (3 ZooKeeper
      servers, 3 etcd members, the Consul fake, 3 raft peers) and write a fenced register while they lead; a seeded
      nemesis kills, pauses and cuts them and the store's members; the checker reads the whole history.

        --backend=NAME         zookeeper, etcd, consul, raft, or all (one after another); required
        --faults=N             faults per store (default 100)
        --seed=S               the seed of the schedules: the same seed, the same schedule
                               (default: a random seed, printed)
        --nodes=N              master processes, 3 to 5 (default 3)
        --session-timeout=D    e.g. 1s or 1500ms (default 1s on ZooKeeper, 2s on the others)
        --schedule=NAME        every fault the named schedule: paused-leader, ghost-member,
                               wipe-store
        --out=DIR              histories, logs, schedules, summaries (default chaos-out/seed-S)
        --consul=HOST:PORT     a real Consul agent instead of the fake (then no store faults);
                               needs --session-timeout of twice its session_ttl_min

      Exit codes: 0 no violation; 1 a violation (printed with the seed, the schedule and the history
      slice) or the campaign could not run; 2 bad flags; 130 Ctrl-C and 143 SIGTERM (the node and
      store processes are stopped first).
      """;

  private ChaosMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.console() != null));
  }

  /** Parsed flags. */
  record Flags(
      List<String> backends,
      int faults,
      long seed,
      int nodes,
      Optional<Duration> sessionTimeout,
      Optional<String> schedule,
      Path out,
      Optional<String> consul) {}

  /** Runs the command; the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err, boolean console) {
    Flags flags;
    try {
      flags = parse(args);
    } catch (HelpRequested h) {
      out.print(USAGE);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("masterha chaos: " + e.getMessage());
      return 2;
    }
    out.println(
        "masterha chaos: seed "
            + flags.seed()
            + ", "
            + flags.faults()
            + " faults per store on "
            + String.join(", ", flags.backends())
            + ", "
            + flags.nodes()
            + " nodes; output in "
            + flags.out().toAbsolutePath());
    boolean violation = false;
    List<Summary> summaries = new ArrayList<>();
    for (String backend : flags.backends()) {
      Duration timeout = flags.sessionTimeout().orElse(defaultTimeout(backend));
      Campaign.Settings settings =
          new Campaign.Settings(
              backend,
              flags.faults(),
              flags.seed(),
              flags.nodes(),
              timeout,
              flags.schedule(),
              flags.out(),
              flags.consul());
      CheckReport report;
      try {
        Campaign.Result result = new Campaign(settings, err, console).run();
        report = CheckReport.of(settings, result);
      } catch (Exception e) {
        err.println("masterha chaos: the " + backend + " campaign could not run: " + e);
        e.printStackTrace(err);
        return 1;
      }
      out.print(report.text());
      out.print(report.summary().toText());
      summaries.add(report.summary());
      try {
        Path dir = flags.out().resolve(backend);
        Files.writeString(
            dir.resolve("summary.txt"),
            report.text() + report.summary().toText(),
            StandardCharsets.UTF_8);
        Files.writeString(
            dir.resolve("summary.json"), report.summary().toJson(), StandardCharsets.UTF_8);
      } catch (Exception e) {
        err.println("masterha chaos: cannot write the summary: " + e);
      }
      violation |= report.violation();
    }
    if (summaries.size() > 1) {
      out.print(Summary.toText(summaries));
    }
    try {
      Files.writeString(
          flags.out().resolve("summary.json"), Summary.toJson(summaries), StandardCharsets.UTF_8);
    } catch (Exception e) {
      err.println("masterha chaos: cannot write the summary: " + e);
    }
    if (violation) {
      out.println(
          "masterha chaos: VIOLATION (seed "
              + flags.seed()
              + "); rerun with: bin/masterha chaos "
              + String.join(" ", args));
      return 1;
    }
    out.println("masterha chaos: no violation (seed " + flags.seed() + ")");
    return 0;
  }

  static Duration defaultTimeout(String backend) {
    return backend.equals("zookeeper") ? Duration.ofSeconds(1) : Duration.ofSeconds(2);
  }

  private static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super(null, null, false, false);
    }
  }

  static Flags parse(String[] args) {
    List<String> backends = null;
    int faults = 100;
    Long seed = null;
    int nodes = 3;
    Optional<Duration> timeout = Optional.empty();
    Optional<String> schedule = Optional.empty();
    Path out = null;
    Optional<String> consul = Optional.empty();
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new HelpRequested();
      }
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException(
            "unexpected argument '" + arg + "'; flags are --name=value (see --help)");
      }
      String name = arg.substring(2, eq);
      String value = arg.substring(eq + 1);
      switch (name) {
        case "backend" -> {
          backends =
              switch (value) {
                case "all" -> List.of("zookeeper", "etcd", "consul", "raft");
                case "zookeeper", "etcd", "consul", "raft" -> List.of(value);
                default ->
                    throw new IllegalArgumentException(
                        "--backend=" + value + ": accepted zookeeper, etcd, consul, raft, all");
              };
        }
        case "faults" -> {
          faults = integer(name, value);
          if (faults < 0) {
            throw new IllegalArgumentException("--faults=" + value + ": 0 or more");
          }
        }
        case "seed" -> {
          try {
            seed = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed=" + value + ": not a whole number");
          }
        }
        case "nodes" -> {
          nodes = integer(name, value);
          if (nodes < 3 || nodes > 5) {
            throw new IllegalArgumentException("--nodes=" + value + ": 3 to 5");
          }
        }
        case "session-timeout" -> timeout = Optional.of(duration(name, value));
        case "schedule" -> {
          if (!Schedule.NAMED.contains(value)) {
            throw new IllegalArgumentException(
                "--schedule=" + value + ": the named schedules are " + Schedule.NAMED);
          }
          schedule = Optional.of(value);
        }
        case "out" -> out = Path.of(value);
        case "consul" -> {
          if (!value.matches("[^:]+:\\d{1,5}")) {
            throw new IllegalArgumentException("--consul=" + value + ": HOST:PORT of an agent");
          }
          consul = Optional.of(value);
        }
        default -> throw new IllegalArgumentException("unknown flag --" + name + " (see --help)");
      }
    }
    if (backends == null) {
      throw new IllegalArgumentException(
          "--backend is required: zookeeper, etcd, consul, raft or all");
    }
    if (consul.isPresent() && timeout.isEmpty()) {
      throw new IllegalArgumentException(
          "--consul needs --session-timeout: at least twice the agent's session_ttl_min (20s for"
              + " an agent with the default 10s); see docs/backends/consul.md");
    }
    if (timeout.isPresent()) {
      for (String b : backends) {
        Duration min = StoreCluster.minimumSessionTimeout(b);
        if (timeout.get().compareTo(min) < 0) {
          throw new IllegalArgumentException(
              "--session-timeout="
                  + timeout.get().toMillis()
                  + "ms: "
                  + b
                  + " needs at least "
                  + min.toMillis()
                  + "ms"
                  + (b.equals("consul")
                      ? " (twice the fake's session_ttl_min of 1s; see docs/backends/consul.md)"
                      : ""));
        }
      }
    }
    long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
    if (out == null) {
      out = Path.of("chaos-out", "seed-" + s);
    }
    return new Flags(List.copyOf(backends), faults, s, nodes, timeout, schedule, out, consul);
  }

  private static int integer(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + "=" + value + ": not a whole number");
    }
  }

  private static Duration duration(String name, String value) {
    try {
      if (value.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
      }
      if (value.endsWith("s")) {
        return Duration.ofMillis(
            Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(
        "--" + name + "=" + value + ": a duration such as 1s or 1500ms");
  }
}
