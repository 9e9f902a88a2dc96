package org.masterha.demo.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.Flags;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.Durations;
import org.masterha.ha.HaBackends;
import org.masterha.ha.error.BackendNotFoundException;

/**
 * {@code bin/demo}: a store (an embedded ZooKeeper by default), N masters and M agents as separate
 * JVMs; the leader is killed with kill -9 and the timeline shows the failover: the new leader with
 * a higher epoch and every agent registering with it. Everything it started is stopped at the end,
 * also on Ctrl-C or failure.
 */
public final class DemoLauncher {
  static final Flags FLAGS =
      Flags.builder()
          .value(
              "backend",
              "NAME",
              "the store: zookeeper (embedded, nothing to install), etcd (runs the etcd binary), consul (a Consul agent given"
                  + " by --consul, else the project's fake of Consul's HTTP API) or raft (the masters are the quorum: a raft"
                  + " peer in each, nothing else runs; an odd --masters)",
              "zookeeper")
          .value("masters", "N", "how many masters, 2 to 9", "3")
          .value(
              "agents",
              "N",
              "how many agents, 0 to 9; odd ones detect the leader through the store, even ones through the masters' streams",
              "2")
          .value(
              "session-timeout",
              "DURATION",
              "the masters' session timeout: how long the killed leader keeps the leadership",
              "4s")
          .value(
              "reregistration-timeout",
              "DURATION",
              "the masters' re-registration window: how long a new leader waits for the agents of the"
                  + " recovered registry before it marks them gone",
              "3s")
          .value(
              "etcd",
              "PATH",
              "the etcd binary for --backend=etcd",
              EtcdServer.DEFAULT_BINARY.toString())
          .value(
              "consul",
              "HOST:PORT",
              "a running Consul agent's HTTP address for --backend=consul (its session_ttl_min, 10s by default, needs"
                  + " --session-timeout of at least twice that)",
              null)
          .value("dir", "PATH", "where the processes' logs go", "a new temporary directory")
          .bool(
              "keep-running",
              "after the failover, leave the cluster up to play with (it prints the store's URL, the masters' addresses and"
                  + " a resolve command to try) until Ctrl-C or SIGTERM, then stop everything and remove the temporary directory")
          .build();

  static final String USAGE =
      "Usage: bin/demo [flags]\n\n"
          + "Starts a store, masters and agents as separate processes, kills the leader with kill -9 and prints the\n"
          + "failover as a timeline.\n"
          + "Exit codes: 0 the failover completed (with --keep-running: and the cluster was then stopped by Ctrl-C or SIGTERM),\n"
          + "1 it did not (the output says what is missing), 2 bad flags or a Consul agent (--consul) the demo cannot use,\n"
          + "130 stopped by Ctrl-C and 143 by SIGTERM before the failover completed (everything started is stopped).\n\n"
          + "Flags:\n"
          + FLAGS.describe();

  // consul-fake logs through java.util.logging, which keeps loggers only weakly: hold it to keep it
  // quiet.
  private static final java.util.logging.Logger FAKE_CONSUL_JUL =
      java.util.logging.Logger.getLogger("org.masterha.consul.fake");

  private DemoLauncher() {}

  public static void main(String[] args) {
    // The embedded ZooKeeper server's start-up warnings are noise in the timeline; its errors still
    // show.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.zookeeper"))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    FAKE_CONSUL_JUL.setLevel(java.util.logging.Level.WARNING);
    System.exit(Cli.run("bin/demo", USAGE, System.err, () -> run(args, System.out)));
  }

  static int run(String[] args, PrintStream out) throws Exception {
    Flags.Parsed p = FLAGS.parse(args);
    if (p.help()) {
      out.print(USAGE);
      return Cli.EXIT_OK;
    }
    if (!p.positionals().isEmpty()) {
      throw new UsageException(
          "unexpected argument '" + p.positionals().get(0) + "'; flags look like --name=value");
    }
    String backend = p.get("backend").orElseThrow().toLowerCase(Locale.ROOT);
    if (!List.of("zookeeper", "etcd", "consul", "raft").contains(backend)) {
      throw new UsageException(
          "flag --backend='"
              + backend
              + "' is not accepted; expected zookeeper, etcd, consul or raft");
    }
    try {
      // Before a store starts: an install without this backend's folder says so, and which it has.
      HaBackends.load().byName(backend);
    } catch (BackendNotFoundException e) {
      throw new UsageException("flag --backend: " + e.getMessage());
    }
    int masters = p.integer("masters", 2, 9);
    if (backend.equals("raft") && masters % 2 == 0) {
      throw new UsageException(
          "flag --masters="
              + masters
              + " is not accepted with --backend=raft: the masters are the quorum, and after the"
              + " leader is killed a majority must be left; expected 3, 5, 7 or 9");
    }
    int agents = p.integer("agents", 0, 9);
    Duration timeout = p.duration("session-timeout", Duration.ofMillis(500), Duration.ofMinutes(2));
    if (!backend.equals("consul") && p.given("consul")) {
      throw new UsageException("flag --consul only applies to --backend=consul");
    }
    if (p.given("consul")) {
      // Before anything starts: an agent that is not there or refuses the session TTL is said here,
      // in one line.
      ConsulAgentCheck.check(p.get("consul").orElseThrow().strip(), timeout);
    }
    Duration window =
        p.duration("reregistration-timeout", Duration.ofMillis(100), Duration.ofMinutes(10));
    boolean keepRunning = p.bool("keep-running");
    Path dir =
        p.given("dir")
            ? Files.createDirectories(Path.of(p.get("dir").orElseThrow()))
            : Files.createTempDirectory("masterha-demo-");
    return new Run(
            out,
            backend,
            masters,
            agents,
            timeout,
            window,
            dir,
            !p.given("dir"),
            keepRunning,
            Path.of(p.get("etcd").orElseThrow()),
            p.get("consul").orElse(null))
        .call();
  }

  private static final class Run {
    private final PrintStream out;
    private final String backend;
    private final int masterCount;
    private final int agentCount;
    private final Duration sessionTimeout;
    private final Duration window;
    private final Path dir;
    private final boolean temporaryDir;
    private final boolean keepRunning;
    private final Path etcdBinary;
    private final String consul;
    private final long start = System.currentTimeMillis();
    private final AtomicBoolean cleaned = new AtomicBoolean();
    private Store store;
    private Cluster cluster;

    Run(
        PrintStream out,
        String backend,
        int masters,
        int agents,
        Duration timeout,
        Duration window,
        Path dir,
        boolean temporaryDir,
        boolean keepRunning,
        Path etcd,
        String consul) {
      this.window = window;
      this.temporaryDir = temporaryDir;
      this.keepRunning = keepRunning;
      this.out = out;
      this.backend = backend;
      this.masterCount = masters;
      this.agentCount = agents;
      this.sessionTimeout = timeout;
      this.dir = dir;
      this.etcdBinary = etcd;
      this.consul = consul;
    }

    int call() throws Exception {
      Thread hook = new Thread(this::cleanUp, "demo-cleanup");
      Runtime.getRuntime().addShutdownHook(hook);
      out.printf(
          Locale.ROOT,
          "masterha demo: %d masters and %d agent%s on %s, session timeout %s; logs in %s%n%n",
          masterCount,
          agentCount,
          agentCount == 1 ? "" : "s",
          backend,
          Durations.format(sessionTimeout),
          dir);
      Timeline timeline = new Timeline(out, start, null);
      try {
        timeline.note("demo", "starting " + backend + " ...");
        store =
            switch (backend) {
              case "zookeeper" -> EmbeddedZooKeeper.start(dir);
              case "etcd" -> EtcdServer.start(etcdBinary, dir);
              case "raft" -> RaftQuorum.forMasters(masterCount, dir);
              // The fake's session_ttl_min is lowered to 1s so the demo's short timeouts are
              // honoured (TTL = timeout / 2).
              default ->
                  consul != null
                      ? new ExternalStore("consul", "consul", consul)
                      : FakeConsulStore.start(Duration.ofSeconds(1));
            };
        timeline.note("demo", store.describe());
        cluster =
            new Cluster(
                store,
                "/masterha-demo-" + UUID.randomUUID().toString().substring(0, 8),
                sessionTimeout,
                dir);
        Timeline tl = new Timeline(out, start, cluster);
        cluster.events().addListener(tl::onEvent);
        return story(tl);
      } catch (TimeoutException e) {
        out.println();
        out.println("demo FAILED: " + e.getMessage());
        out.println("The processes' logs are in " + dir);
        return Cli.EXIT_FAILURE;
      } finally {
        cleanUp();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // Already shutting down (Ctrl-C): the hook is running cleanUp too.
        }
      }
    }

    private int story(Timeline tl) throws Exception {
      Duration startup = Duration.ofSeconds(60);
      Duration failover = sessionTimeout.multipliedBy(3).plusSeconds(30);
      tl.note("demo", "starting " + masterCount + " masters at " + cluster.url());
      for (int i = 1; i <= masterCount; i++) {
        cluster.startMaster("m" + i, "--reregistration-timeout=" + Durations.format(window));
      }
      EventLog.Entry first = cluster.awaitElected(-1, startup);
      String leader = first.process();
      long epoch = Long.parseLong(first.get("epoch"));
      cluster.awaitFollowers(leader, epoch, startup);

      List<String> agents = new ArrayList<>();
      if (agentCount > 0) {
        tl.note("demo", "starting " + agentCount + " agent" + (agentCount == 1 ? "" : "s"));
      }
      for (int i = 1; i <= agentCount; i++) {
        String name = "a" + i;
        agents.add(name);
        if (i % 2 == 1) {
          cluster.startAgentViaStore(name);
        } else {
          cluster.startAgentViaStreams(name);
        }
      }
      for (String a : agents) {
        cluster.awaitRegistered(a, leader, epoch, startup);
      }

      JvmProcess victim = cluster.process(leader);
      long killedAt = System.currentTimeMillis();
      tl.line(
          killedAt,
          "demo",
          "kill -9 "
              + leader
              + " (pid "
              + victim.pid()
              + "), the leader of epoch "
              + epoch
              + "; its session expires within "
              + Durations.format(sessionTimeout));
      cluster.kill9(leader);

      EventLog.Entry next = cluster.awaitElected(epoch, failover);
      String newLeader = next.process();
      long newEpoch = Long.parseLong(next.get("epoch"));
      EventLog.Entry recovered =
          cluster.await(
              newLeader + " to recover the registry",
              failover,
              e ->
                  e.process().equals(newLeader)
                      && e.kind().equals("recovered-registry")
                      && Long.parseLong(e.get("epoch")) == newEpoch);
      List<EventLog.Entry> reregs = new ArrayList<>();
      for (String a : agents) {
        reregs.add(cluster.awaitRegistered(a, newLeader, newEpoch, failover));
      }
      cluster.awaitFollowers(newLeader, newEpoch, failover);

      out.println();
      out.println("summary:");
      out.printf(
          Locale.ROOT,
          "  %s led epoch %d and was killed with kill -9 at %s%n",
          leader,
          epoch,
          tl.at(killedAt).strip());
      out.printf(
          Locale.ROOT,
          "  %s was elected with epoch %d at %s: %d ms after the kill (session timeout %s)%n",
          newLeader,
          newEpoch,
          tl.at(next.millis()).strip(),
          next.millis() - killedAt,
          Durations.format(sessionTimeout));
      for (EventLog.Entry r : reregs) {
        out.printf(
            Locale.ROOT,
            "  %s re-registered with %s at %s: %d ms after the kill, %d ms after the election%n",
            r.process(),
            newLeader,
            tl.at(r.millis()).strip(),
            r.millis() - killedAt,
            r.millis() - next.millis());
      }
      out.printf(
          Locale.ROOT,
          "  %s recovered the registry from the store: %s agent(s) [%s], with %s to re-register%n",
          newLeader,
          recovered.get("agents"),
          recovered.get("ids"),
          recovered.get("window"));
      out.printf(
          Locale.ROOT,
          "  epochs only increase (%d -> %d), so agents refuse the old leader if it ever comes back%n",
          epoch,
          newEpoch);
      if (newEpoch > epoch + 1) {
        out.printf(
            Locale.ROOT,
            "  (epochs are the store's own counter, which other writes advance too: they may skip numbers, only the order matters)%n");
      }
      if (keepRunning) {
        String stoppedBy = playground(newLeader, newEpoch);
        tl.note("demo", stoppedBy + ": stopping the cluster and the store");
      } else {
        tl.note("demo", "stopping " + (masterCount - 1 + agentCount) + " processes and the store");
      }
      cleanUp();
      if (keepRunning && temporaryDir) {
        DataDirs.delete(dir);
        tl.note("demo", "done; removed " + dir);
      } else {
        tl.note("demo", "done; logs in " + dir);
      }
      return Cli.EXIT_OK;
    }

    /**
     * --keep-running: what to try on the cluster, then wait for Ctrl-C or SIGTERM (handled here, so
     * that the demo stops everything and exits 0). Returns the signal that ended it.
     */
    private String playground(String leader, long epoch) throws InterruptedException {
      CountDownLatch stop = new CountDownLatch(1);
      AtomicReference<String> signal = new AtomicReference<>();
      List<String> handled = new ArrayList<>();
      for (String name : List.of("INT", "TERM")) {
        try {
          sun.misc.Signal.handle(
              new sun.misc.Signal(name),
              s -> {
                signal.compareAndSet(null, "SIG" + s.getName());
                stop.countDown();
              });
          handled.add(name.equals("INT") ? "Ctrl-C (SIGINT)" : "SIGTERM");
        } catch (IllegalArgumentException | LinkageError e) {
          // Ignored by this process (SIGINT in a job started in the background) or not available on
          // this JVM.
        }
      }
      String url = cluster.url();
      out.println();
      out.println(
          "the cluster keeps running (--keep-running); "
              + (handled.isEmpty()
                  ? "stop the demo's process to stop it."
                  : String.join(" or ", handled) + " stops it and everything the demo started."));
      out.printf(Locale.ROOT, "  %-8s %s  (%s)%n", "store", url, store.describe());
      for (String m : cluster.masters()) {
        JvmProcess p = cluster.process(m);
        String state =
            !p.isAlive()
                ? ", not running (killed)"
                : m.equals(leader) ? ", the leader (epoch " + epoch + ")" : "";
        out.printf(
            Locale.ROOT, "  %-8s gRPC on %s, pid %d%s%n", m, cluster.endpoint(m), p.pid(), state);
      }
      out.printf(Locale.ROOT, "  %-8s bin/masterha resolve %s --watch%n", "try", url);
      if (cluster.masters().stream()
          .filter(m -> !m.equals(leader))
          .anyMatch(m -> cluster.process(m).isAlive())) {
        out.printf(
            Locale.ROOT,
            "  %-8s kill %d (the leader, %s: the next master takes over in milliseconds; kill -9 takes a session timeout)%n",
            "then",
            cluster.process(leader).pid(),
            leader);
      }
      out.printf(
          Locale.ROOT,
          "  %-8s bin/masterha agent --ha-url=%s --session-timeout=%s --name=a%d%n",
          "or",
          url,
          Durations.format(sessionTimeout),
          agentCount + 1);
      out.println();
      out.flush();
      stop.await();
      return signal.get();
    }

    private void cleanUp() {
      if (!cleaned.compareAndSet(false, true)) {
        return;
      }
      if (cluster != null) {
        cluster.close();
      }
      if (store != null) {
        store.close();
      }
    }
  }
}
