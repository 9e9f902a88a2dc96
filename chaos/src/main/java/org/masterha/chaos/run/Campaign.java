package org.masterha.chaos.run;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.HistoryWriter;
import org.masterha.chaos.node.ChaosNode;
import org.masterha.chaos.node.PendingWrite;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.state.Variable;
import org.masterha.stores.JavaProcess;
import org.masterha.tck.net.TcpProxy;

/**
 * One campaign on one store: the store cluster, one proxy per node per store server, the node
 * processes, and the nemesis injecting the schedule's faults one after another, each followed by a
 * short quiet period in which the cluster recovers. At the end everything is healed, the runner
 * reads the register one last time and writes {@code end}; the history directory is then complete.
 */
final class Campaign {
  /** How long the nodes stay frozen before a wipe, so what they already sent lands first. */
  private static final long WIPE_SETTLE_MS = 100;

  /** The nodes a wipe froze, resumed once its heal is logged. */
  private final List<Node> frozenByWipe = new ArrayList<>();

  /** What to run. */
  record Settings(
      String backend,
      int faults,
      long seed,
      int nodes,
      Duration sessionTimeout,
      Optional<String> schedule,
      Path out,
      Optional<String> consulAgent) {}

  /** What happened, besides the history. */
  record Result(
      String backend,
      String store,
      Path historyDir,
      List<Schedule.Fault> schedule,
      int faultsInjected,
      long worstRecoveryMs,
      int unrecovered,
      List<String> notes,
      long elapsedMs) {}

  private final Settings settings;
  private final PrintStream progress;
  private final boolean console;
  private final Path dir;
  private final Path historyDir;
  private final Path logDir;
  private final long timeoutMs;
  private final List<Node> nodes = new CopyOnWriteArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private StoreCluster store;
  private HistoryWriter nemesis;
  private HistoryWatch watch;
  private Path nodeLogback;

  Campaign(Settings settings, PrintStream progress, boolean console) {
    this.settings = settings;
    this.progress = progress;
    this.console = console;
    this.dir = settings.out().resolve(settings.backend()).toAbsolutePath();
    this.historyDir = dir.resolve("history");
    this.logDir = dir.resolve("logs");
    this.timeoutMs = settings.sessionTimeout().toMillis();
  }

  /** A node process with its proxies (one per store server) and its life. */
  private final class Node {
    final String name;
    final List<TcpProxy> proxies = new ArrayList<>();
    int life;
    JavaProcess process;

    Node(String name) {
      this.name = name;
    }

    String url() {
      return store.url(proxies.stream().map(TcpProxy::address).toList());
    }

    void start() throws IOException {
      life++;
      process =
          JavaProcess.start(
              name,
              List.of(
                  "-Xms32m",
                  "-Xmx160m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Dlogback.configurationFile=" + nodeLogback),
              ChaosNode.class.getName(),
              List.of(url(), name, Integer.toString(life), historyDir.toString(), "" + timeoutMs),
              logDir.resolve(name + ".log"));
    }

    void kill() throws InterruptedException {
      process.kill();
      nemesis.killed(name, life);
    }

    /** Restarts it if it is not running (killed, or exited on its own: noted). */
    void ensureRunning() throws IOException {
      if (!process.isAlive()) {
        if (process.crashed()) {
          notes.add(name + " life " + life + " exited on its own with " + process.exitValue());
        }
        start();
      }
    }
  }

  Result run() throws Exception {
    long started = System.nanoTime();
    Files.createDirectories(historyDir);
    Files.createDirectories(logDir);
    nodeLogback = dir.resolve("node-logback.xml");
    Files.writeString(nodeLogback, NODE_LOGBACK, StandardCharsets.UTF_8);
    List<Schedule.Fault> schedule;
    List<String> procs = new ArrayList<>();
    for (int i = 1; i <= settings.nodes(); i++) {
      procs.add("n" + i);
    }
    watch = new HistoryWatch(historyDir, procs);
    int injected = 0;
    long worstRecovery = 0;
    int unrecovered = 0;
    try (HistoryWriter nemesisWriter = HistoryWriter.open(historyDir, "nemesis", 1);
        HistoryWriter runner = HistoryWriter.open(historyDir, "runner", 1)) {
      nemesis = nemesisWriter;
      say("starting the " + settings.backend() + " store cluster");
      store = StoreCluster.start(settings.backend(), logDir, settings.consulAgent());
      // Ctrl-C or SIGTERM of the runner: no node or store process is left behind.
      Thread hook = new Thread(this::killAll, "chaos-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      schedule =
          Schedule.draw(
              Schedule.seedFor(settings.seed(), settings.backend()),
              settings.faults(),
              settings.nodes(),
              store.servers().size(),
              store.canKillMembers(),
              store.canPauseMembers(),
              timeoutMs,
              settings.schedule());
      writeSchedule(schedule);
      try {
        for (String name : procs) {
          Node n = new Node(name);
          for (InetSocketAddress server : store.servers()) {
            n.proxies.add(TcpProxy.start(server));
          }
          nodes.add(n);
          n.start();
        }
        say("waiting for a first leader");
        awaitAct(System.nanoTime(), Duration.ofSeconds(60));
        for (Schedule.Fault fault : schedule) {
          progress(fault, started);
          long healed = inject(fault);
          injected++;
          if (fault.kind().contains(Schedule.WIPE_STORE)) {
            // The old leader may act a moment longer (it learns of its deleted member by a watch);
            // the new line's leader comes after another session timeout (contract rule 11).
            awaitElected(healed, Duration.ofMillis(2 * timeoutMs + 1000 + 2000));
          }
          long recovered = awaitAct(healed, Duration.ofMillis(timeoutMs + 1000 + 2000));
          if (recovered < 0) {
            unrecovered++;
            notes.add("fault " + fault + ": no leader acted within session timeout + 3 s of heal");
            // Give it longer before the next fault, so one slow recovery does not cascade.
            awaitAct(healed, Duration.ofSeconds(30));
          } else {
            worstRecovery = Math.max(worstRecovery, recovered);
          }
          for (Node n : nodes) {
            n.ensureRunning();
          }
          Thread.sleep(100 + (fault.id() * 37L) % 200);
        }
        // Everything is healed after each fault; make sure, then let a leader act once more.
        for (Node n : nodes) {
          n.ensureRunning();
        }
        awaitAct(System.nanoTime(), Duration.ofMillis(timeoutMs + 3000));
        // Freeze every node first: a write acknowledged before the read must be in what it finds,
        // and one a node is still making while the store answers the read would race it.
        for (Node n : nodes) {
          if (n.process != null && n.process.isAlive()) {
            n.process.pause();
          }
        }
        finalRead(runner);
        // A write a node was making when it was frozen may be in what the read found, and the node
        // will never log its outcome: end the nodes, then log each one's unanswered write as
        // unknown
        // on its behalf, as its next life would have after a kill.
        for (Node n : nodes) {
          if (n.process != null && n.process.isAlive()) {
            n.process.kill();
          }
        }
        for (Node n : nodes) {
          PendingWrite.recordUnanswered(historyDir, n.name);
        }
        runner.end();
      } finally {
        for (Node n : nodes) {
          if (n.process != null) {
            n.process.stop(Duration.ofSeconds(2));
          }
          n.proxies.forEach(TcpProxy::close);
        }
        store.close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook runs
        }
      }
    }
    if (console) {
      progress.println();
    }
    return new Result(
        settings.backend(),
        store.description(),
        historyDir,
        schedule,
        injected,
        worstRecovery,
        unrecovered,
        List.copyOf(notes),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private void killAll() {
    for (Node n : nodes) {
      try {
        if (n.process != null) {
          n.process.kill();
        }
      } catch (Exception e) {
        // going down anyway
      }
    }
    try {
      store.close();
    } catch (Exception e) {
      // going down anyway
    }
  }

  /** Injects a fault, waits out its duration, heals it; returns the heal time (nanoTime). */
  private long inject(Schedule.Fault fault) throws Exception {
    List<Aim> aims = new ArrayList<>();
    for (Schedule.Part part : fault.parts()) {
      aims.add(aim(part, aims));
    }
    String target = String.join("+", aims.stream().map(Aim::target).toList());
    nemesis.fault(fault.id(), fault.kind(), target, Event.Phase.START);
    List<Active> active = new ArrayList<>();
    for (Aim a : aims) {
      active.add(begin(a));
    }
    active.sort(Comparator.comparingLong(Active::healAt));
    for (Active a : active) {
      long wait = a.healAt() - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      a.heal().run();
    }
    nemesis.fault(fault.id(), fault.kind(), target, Event.Phase.HEAL);
    for (Node n : frozenByWipe) {
      n.process.resume();
    }
    frozenByWipe.clear();
    return System.nanoTime();
  }

  @FunctionalInterface
  private interface Heal {
    void run() throws Exception;
  }

  /** A part of a fault with its target resolved: a node, or a store member (node null). */
  private record Aim(Schedule.Part part, String target, Node node, int member) {}

  private record Active(long healAt, Heal heal) {}

  private Aim aim(Schedule.Part part, List<Aim> others) {
    if (part.onStore()) {
      int m = part.index() % store.servers().size();
      if (part.kind().equals(Schedule.KILL_STORE_LEADER)) {
        m = store.leader().orElse(m);
      }
      if (part.kind().equals(Schedule.WIPE_STORE)) {
        return new Aim(part, "store:" + StoreCluster.BASE, null, m);
      }
      return new Aim(part, "store:" + store.memberName(m), null, m);
    }
    Node chosen = nodes.get(part.index() % nodes.size());
    if (part.leader()) {
      Optional<String> leader = watch.actingLeader(TimeUnit.SECONDS.toNanos(1));
      if (leader.isPresent()) {
        chosen = nodes.stream().filter(n -> n.name.equals(leader.get())).findFirst().orElse(chosen);
      }
    }
    // Two faults at once aim at two different nodes.
    while (true) {
      Node c = chosen;
      if (others.stream().noneMatch(a -> a.node() == c)) {
        return new Aim(part, c.name, c, -1);
      }
      chosen = nodes.get((nodes.indexOf(c) + 1) % nodes.size());
    }
  }

  private Active begin(Aim aim) throws Exception {
    Schedule.Part part = aim.part();
    long d = TimeUnit.MILLISECONDS.toNanos(part.durationMs());
    Node n = aim.node();
    switch (part.kind()) {
      case Schedule.KILL_NODE -> {
        n.kill();
        return new Active(System.nanoTime() + d, n::start);
      }
      case Schedule.PAUSE_NODE, Schedule.PAUSED_LEADER -> {
        n.process.pause();
        return new Active(System.nanoTime() + d, n.process::resume);
      }
      case Schedule.FREEZE_CONNECTION -> {
        n.proxies.forEach(TcpProxy::cut);
        return new Active(System.nanoTime() + d, () -> n.proxies.forEach(TcpProxy::restore));
      }
      case Schedule.CUT_CONNECTION -> {
        n.proxies.forEach(TcpProxy::reset);
        return new Active(System.nanoTime() + d, () -> n.proxies.forEach(TcpProxy::restore));
      }
      case Schedule.BLOCK_CALLBACKS -> {
        n.process.send("block " + part.durationMs());
        return new Active(System.nanoTime() + d, () -> {});
      }
      case Schedule.GHOST_MEMBER -> {
        n.kill();
        n.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (watch.startedLife(n.name) < n.life && System.nanoTime() - deadline < 0) {
          Thread.sleep(5);
        }
        Thread.sleep(part.delayMs());
        n.process.pause();
        return new Active(System.nanoTime() + d, n.process::resume);
      }
      case Schedule.KILL_STORE_MEMBER, Schedule.KILL_STORE_LEADER -> {
        store.kill(aim.member());
        return new Active(System.nanoTime() + d, store::restartKilled);
      }
      case Schedule.WIPE_STORE -> {
        // Every node frozen while the operator wipes, so each event a node logs is either from
        // before the wipe or made after it; the checker splits epoch lines at the heal.
        List<Node> frozen = new ArrayList<>();
        store.wipe(
            () -> {
              for (Node each : nodes) {
                if (each.process != null && each.process.isAlive()) {
                  each.process.pause();
                  frozen.add(each);
                }
              }
              try {
                // requests already sent reach the store before the wipe
                Thread.sleep(WIPE_SETTLE_MS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
        // Resumed only once the heal is in the history (inject), so the heal's time splits what
        // the nodes logged before the wipe from what they log after it.
        frozenByWipe.addAll(frozen);
        return new Active(System.nanoTime(), () -> {});
      }
      case Schedule.PAUSE_STORE -> {
        store.pause(aim.member());
        return new Active(System.nanoTime() + d, () -> store.resume(aim.member()));
      }
      default -> throw new IllegalArgumentException("unknown fault kind " + part.kind());
    }
  }

  /** Waits until some node is elected after {@code after}, at most {@code within}. */
  private void awaitElected(long after, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (watch.electedSince(after)) {
        return;
      }
      Thread.sleep(20);
    }
  }

  /**
   * Waits until some node acts as leader after {@code after}; returns how long after {@code after}
   * in milliseconds, or -1 when none did within {@code within}.
   */
  private long awaitAct(long after, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() - deadline < 0) {
      long last = watch.lastActAnywhere();
      if (last != Long.MIN_VALUE && last - after > 0) {
        return TimeUnit.NANOSECONDS.toMillis(last - after);
      }
      Thread.sleep(20);
    }
    return -1;
  }

  /** The runner reads the register straight from the store (no proxy) and logs it. */
  private void finalRead(HistoryWriter runner) {
    try (HaSession session =
        HaBackends.load()
            .open(
                HaConfig.builder()
                    .url(store.directUrl())
                    .sessionTimeout(settings.sessionTimeout())
                    .build())) {
      Variable v = session.state().fetch(ChaosNode.REGISTER).get(30, TimeUnit.SECONDS);
      runner.read(ChaosNode.opOf(v), v.version());
    } catch (Exception e) {
      notes.add("the final read of the register failed: " + e);
    }
  }

  private void writeSchedule(List<Schedule.Fault> schedule) throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("# ")
        .append(settings.backend())
        .append(" seed=")
        .append(settings.seed())
        .append(" faults=")
        .append(settings.faults())
        .append(" nodes=")
        .append(settings.nodes())
        .append(" session-timeout=")
        .append(timeoutMs)
        .append("ms")
        .append(settings.schedule().map(s -> " schedule=" + s).orElse(""))
        .append('\n');
    schedule.forEach(f -> text.append(f).append('\n'));
    Files.writeString(dir.resolve("schedule.txt"), text, StandardCharsets.UTF_8);
  }

  private void progress(Schedule.Fault fault, long started) {
    long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    int total = settings.faults();
    String line =
        String.format(
            "[%s] fault %d/%d %s  (%ds)", settings.backend(), fault.id(), total, fault, elapsed);
    if (console) {
      int width = 30;
      int done = (int) ((long) (fault.id() - 1) * width / Math.max(1, total));
      String bar = "#".repeat(done) + ".".repeat(width - done);
      String full = "[" + bar + "] " + line;
      progress.print("\r" + (full.length() > 150 ? full.substring(0, 150) : full) + "\033[K");
      progress.flush();
    } else if (fault.id() == 1 || fault.id() % Math.max(1, total / 20) == 0 || total <= 50) {
      progress.println(line);
    }
  }

  private void say(String what) {
    progress.println("[" + settings.backend() + "] " + what);
  }

  private static final String NODE_LOGBACK =
      "<configuration><appender name=\"out\" class=\"ch.qos.logback.core.ConsoleAppender\">"
          + "<encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern>"
          + "</encoder></appender><logger name=\"org.masterha\" level=\"INFO\"/>"
          + "<root level=\"WARN\"><appender-ref ref=\"out\"/></root></configuration>\n";
}
