package org.masterha.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.masterha.ha.Durations;

/** {@code bin/masterha bench}'s flags. */
record BenchOptions(
    List<String> backends,
    List<String> scenarios,
    int rounds,
    int contenders,
    int detectors,
    int detectorSessions,
    List<Integer> fanout,
    int fanoutRounds,
    int crashRounds,
    Duration sessionTimeout,
    Duration idle,
    Optional<String> consulAddress,
    Path out) {

  static final List<String> BACKENDS = List.of("zookeeper", "etcd", "consul", "raft");
  static final List<String> SCENARIOS =
      // idle-cost before detector-fanout: 10,000 raw detectors leave threads and buffers behind.
      List.of("graceful-handover", "crash-failover", "idle-cost", "detector-fanout");

  static final String USAGE =
      """
      usage: masterha bench [--backend=zookeeper,etcd,consul,raft|all] [--scenario=NAME,...|all]
                            [--rounds=50] [--contenders=3] [--detectors=50] [--detector-sessions=5]
                            [--fanout=1000,10000] [--fanout-rounds=3] [--crash-rounds=3]
                            [--session-timeout=10s] [--idle=15s] [--consul-address=HOST:PORT]
                            [--out=bench-results]

      Starts real stores in processes of their own (a ZooKeeper server in its own JVM, Debian's etcd,
      the Consul fake in its own JVM or the Consul agent at --consul-address, a group of 3 raft peers
      in a JVM each) and measures masterha against the raw recipe on the same servers, interleaved
      round by round (Curator LeaderLatch + CuratorCache, jetcd Election + prefix watches, a
      consul-client session lock + blocking queries); raft has no raw recipe: masterha alone. After
      the scenarios of a store, each of its server processes' memory (VmRSS, VmHWM) and data
      directory on disk.

      scenarios: graceful-handover  the leader withdraws; time to the next elected() and to the last
                                    of --detectors detectors (on --detector-sessions sessions)
                 crash-failover     the leader, a JVM of its own, is killed with kill -9; time to the
                                    first detector seeing the new leader, over the session timeout
                 detector-fanout    --fanout detectors on one session: heap each, threads, time to
                                    the last one notified of a leader change
                 idle-cost          requests per second per idle contender and per idle detector,
                                    counted at the store, over --idle

      Progress goes to standard error, the table to standard output, bench.json and bench.md to
      --out (and the stores' logs to --out/logs). Targets are checked here (PASS/MISS), never in
      tests. Flags are --name=value or --name value.

      Exit codes: 0 every scenario ran (whatever the figures), 1 a scenario or a store failed to
      run (the others still ran and were written), 2 bad flags, 130 Ctrl-C, 143 SIGTERM (the
      stores and processes it started are stopped either way).
      """;

  static BenchOptions defaults() {
    return new BenchOptions(
        BACKENDS,
        SCENARIOS,
        50,
        3,
        50,
        5,
        List.of(1000, 10000),
        3,
        3,
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        Optional.empty(),
        Path.of("bench-results"));
  }

  /** A flag the harness does not accept, with a message naming it and what is accepted. */
  static final class BadFlag extends Exception {
    BadFlag(String message) {
      super(message);
    }
  }

  static BenchOptions parse(String[] args) throws BadFlag {
    BenchOptions o = defaults();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new BadFlag("unexpected argument '" + arg + "'; every option is --name=value");
      }
      int eq = arg.indexOf('=');
      String name;
      String v;
      if (eq >= 0) {
        name = arg.substring(2, eq);
        v = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        name = arg.substring(2);
        v = args[++i];
      } else {
        throw new BadFlag("option " + arg + " needs a value: " + arg + "=...");
      }
      o =
          switch (name) {
            case "backend" -> o.with(0, names("--backend", v, BACKENDS));
            case "scenario" -> o.with(1, names("--scenario", v, SCENARIOS));
            case "rounds" -> o.with(2, positive("--rounds", v));
            case "contenders" -> o.with(3, atLeast("--contenders", v, 2));
            case "detectors" -> o.with(4, positive("--detectors", v));
            case "detector-sessions" -> o.with(5, positive("--detector-sessions", v));
            case "fanout" -> o.with(6, sizes(v));
            case "fanout-rounds" -> o.with(7, positive("--fanout-rounds", v));
            case "crash-rounds" -> o.with(8, positive("--crash-rounds", v));
            case "session-timeout" -> o.with(9, duration("--session-timeout", v));
            case "idle" -> o.with(10, duration("--idle", v));
            case "consul-address" -> o.with(11, Optional.of(hostPort(v)));
            case "out" -> o.with(12, path(v));
            default ->
                throw new BadFlag(
                    "unknown option --"
                        + name
                        + "; accepted: --backend, --scenario, --rounds, --contenders, --detectors,"
                        + " --detector-sessions, --fanout, --fanout-rounds, --crash-rounds,"
                        + " --session-timeout, --idle, --consul-address, --out, --help");
          };
    }
    if (o.detectorSessions() > o.detectors()) {
      throw new BadFlag(
          "--detector-sessions="
              + o.detectorSessions()
              + " is more than --detectors="
              + o.detectors()
              + "; each session holds at least one detector");
    }
    return o;
  }

  private BenchOptions with(int field, Object v) {
    Object[] f = {
      backends,
      scenarios,
      rounds,
      contenders,
      detectors,
      detectorSessions,
      fanout,
      fanoutRounds,
      crashRounds,
      sessionTimeout,
      idle,
      consulAddress,
      out
    };
    f[field] = v;
    @SuppressWarnings("unchecked")
    BenchOptions o =
        new BenchOptions(
            (List<String>) f[0],
            (List<String>) f[1],
            (Integer) f[2],
            (Integer) f[3],
            (Integer) f[4],
            (Integer) f[5],
            (List<Integer>) f[6],
            (Integer) f[7],
            (Integer) f[8],
            (Duration) f[9],
            (Duration) f[10],
            (Optional<String>) f[11],
            (Path) f[12]);
    return o;
  }

  private static List<String> names(String flag, String v, List<String> accepted) throws BadFlag {
    if (v.equals("all")) {
      return accepted;
    }
    List<String> out = new ArrayList<>();
    for (String s : v.split(",", -1)) {
      String n = s.trim();
      if (!accepted.contains(n)) {
        throw new BadFlag(
            flag
                + ": unknown '"
                + n
                + "'; accepted: "
                + String.join(", ", accepted)
                + " (comma-separated) or all");
      }
      out.add(n);
    }
    return accepted.stream().filter(out::contains).toList(); // in the canonical order
  }

  private static int atLeast(String flag, String v, int min) throws BadFlag {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new BadFlag(flag + ": '" + v + "' is not a whole number of at least " + min);
  }

  private static int positive(String flag, String v) throws BadFlag {
    return atLeast(flag, v, 1);
  }

  private static List<Integer> sizes(String v) throws BadFlag {
    List<Integer> out = new ArrayList<>();
    for (String s : v.split(",", -1)) {
      out.add(positive("--fanout", s));
    }
    return List.copyOf(out);
  }

  private static Duration duration(String flag, String v) throws BadFlag {
    try {
      Duration d = Durations.parse(v, flag);
      if (d.compareTo(Duration.ofMillis(500)) >= 0) {
        return d;
      }
    } catch (RuntimeException e) {
      // below
    }
    throw new BadFlag(
        flag + ": '" + v + "' is not a duration of at least 500ms (e.g. 10s, 1500ms)");
  }

  private static String hostPort(String v) throws BadFlag {
    if (!v.matches("[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}")) {
      throw new BadFlag("--consul-address: '" + v + "' is not HOST:PORT (e.g. 127.0.0.1:8500)");
    }
    return v;
  }

  private static Path path(String v) throws BadFlag {
    if (v.isBlank()) {
      throw new BadFlag("--out: a directory is needed");
    }
    return Path.of(v);
  }
}
