package org.masterha.demo.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Masters and agents as separate JVMs on one store and base path, and waits on their events. Used
 * by bin/demo and by the end-to-end tests; the store is the caller's.
 */
public final class Cluster implements AutoCloseable {
  public static final String MASTER_MAIN = "org.masterha.demo.master.MasterMain";
  public static final String AGENT_MAIN = "org.masterha.demo.agent.AgentMain";

  private final Store store;
  private final String url;
  private final Duration sessionTimeout;
  private final Path dir;
  private final EventLog events = new EventLog();
  private final Map<String, JvmProcess> processes =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, String> endpoints = new ConcurrentHashMap<>();
  private final Set<String> expectedToEnd = ConcurrentHashMap.newKeySet();

  public Cluster(Store store, String basePath, Duration sessionTimeout, Path dir) {
    this.store = store;
    this.url = store.url(basePath);
    this.sessionTimeout = sessionTimeout;
    this.dir = dir;
  }

  public EventLog events() {
    return events;
  }

  public String url() {
    return url;
  }

  public Path dir() {
    return dir;
  }

  public JvmProcess process(String name) {
    return processes.get(name);
  }

  /** The names of the masters started, in order. */
  public List<String> masters() {
    return new ArrayList<>(endpoints.keySet().stream().sorted().toList());
  }

  /** {@code 127.0.0.1:port} of a master's gRPC API. */
  public String endpoint(String master) {
    return endpoints.get(master);
  }

  /** The demo name of the master with this pid ({@code master@ip:port}), else the pid itself. */
  public String nameOf(String pid) {
    if (pid == null) {
      return "?";
    }
    for (Map.Entry<String, String> e : endpoints.entrySet()) {
      if (pid.endsWith("@" + e.getValue())) {
        return e.getKey();
      }
    }
    return pid;
  }

  public JvmProcess startMaster(String name, String... extra) throws IOException {
    int port = Ports.free();
    endpoints.put(name, "127.0.0.1:" + port);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--ha-url=" + url,
                "--ha-backend=" + store.backend(),
                "--port=" + port,
                "--name=" + name,
                "--session-timeout=" + org.masterha.ha.Durations.format(sessionTimeout)));
    args.addAll(store.masterFlags(name));
    args.addAll(List.of(extra));
    return start(name, MASTER_MAIN, args);
  }

  /**
   * Starts master {@code name} again after its process ended, as a supervisor would: the same name,
   * a new port. The ended run's {@code <name>.log} and {@code <name>.out} are kept as {@code
   * <name>.run<n>.log} and {@code .out}, and its end no longer counts as expected, so the new
   * process dying unasked aborts waits again.
   */
  public JvmProcess restartMaster(String name, String... extra) throws IOException {
    JvmProcess old = processes.get(name);
    if (old == null || old.isAlive()) {
      throw new IllegalStateException(
          "master "
              + name
              + (old == null ? " was never started" : " is still running (pid " + old.pid() + ")"));
    }
    int run = 1;
    while (java.nio.file.Files.exists(dir.resolve(name + ".run" + run + ".log"))) {
      run++;
    }
    for (String ext : List.of("log", "out")) {
      Path file = dir.resolve(name + "." + ext);
      if (java.nio.file.Files.exists(file)) {
        java.nio.file.Files.move(file, dir.resolve(name + ".run" + run + "." + ext));
      }
    }
    expectedToEnd.remove(name);
    return startMaster(name, extra);
  }

  /** An agent that detects the leader through the store. */
  public JvmProcess startAgentViaStore(String name, String... extra) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--ha-url=" + url,
                "--ha-backend=" + store.backend(),
                "--name=" + name,
                "--id=" + name,
                "--session-timeout=" + org.masterha.ha.Durations.format(sessionTimeout),
                "--heartbeat-interval=250ms"));
    args.addAll(List.of(extra));
    return start(name, AGENT_MAIN, args);
  }

  /** An agent that follows the leader through the masters' WatchLeader streams. */
  public JvmProcess startAgentViaStreams(String name, String... extra) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--master=" + String.join(",", masters().stream().map(endpoints::get).toList()),
                "--name=" + name,
                "--id=" + name,
                "--heartbeat-interval=250ms"));
    args.addAll(List.of(extra));
    return start(name, AGENT_MAIN, args);
  }

  /** Any JVM with the demo's class path, e.g. a master with bad flags. */
  public JvmProcess start(String name, String mainClass, List<String> args) throws IOException {
    JvmProcess p = JvmProcess.start(name, mainClass, args, dir, events);
    processes.put(name, p);
    return p;
  }

  /** The process will end (killed or stopped on purpose): its end does not abort waits. */
  public void expectEnd(String name) {
    expectedToEnd.add(name);
  }

  public void kill9(String name) {
    expectEnd(name);
    processes.get(name).kill9();
  }

  public void terminate(String name) {
    expectEnd(name);
    processes.get(name).terminate();
  }

  /**
   * A process that ended without being asked to, with its exit code and last log lines; empty if
   * none.
   */
  public Optional<String> unexpectedEnd() {
    synchronized (processes) {
      for (JvmProcess p : processes.values()) {
        if (!p.isAlive() && !expectedToEnd.contains(p.name())) {
          int code = p.exitCode().orElse(-1);
          if (code == 2) {
            // A usage error: the reason is the first line; the usage that follows it would bury it.
            return Optional.of(
                p.name()
                    + " exited with code 2 (bad flags or an unusable store configuration): "
                    + p.head(1).stream().findFirst().orElse(""));
          }
          return Optional.of(
              p.name()
                  + " exited with code "
                  + code
                  + "; last lines of "
                  + p.logFile()
                  + ":\n    "
                  + String.join("\n    ", p.tail(8)));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Waits for the first event matching {@code p}, giving up early if a process dies unexpectedly.
   */
  public EventLog.Entry await(String what, Duration timeout, Predicate<EventLog.Entry> p)
      throws TimeoutException, InterruptedException {
    return events.await(
        what, timeout, es -> es.stream().filter(p).findFirst(), this::unexpectedEnd);
  }

  /** The first master elected with an epoch above {@code aboveEpoch}. */
  public EventLog.Entry awaitElected(long aboveEpoch, Duration timeout)
      throws TimeoutException, InterruptedException {
    return await(
        "a master to be elected with an epoch above " + aboveEpoch,
        timeout,
        e -> e.kind().equals("elected") && Long.parseLong(e.get("epoch")) > aboveEpoch);
  }

  /** The agent's (re-)registration with {@code master} in {@code epoch}. */
  public EventLog.Entry awaitRegistered(String agent, String master, long epoch, Duration timeout)
      throws TimeoutException, InterruptedException {
    return await(
        agent + " to register with " + master + " (epoch " + epoch + ")",
        timeout,
        e ->
            e.process().equals(agent)
                && (e.kind().equals("registered") || e.kind().equals("reregistered"))
                && nameOf(e.get("master")).equals(master)
                && Long.parseLong(e.get("epoch")) == epoch);
  }

  /**
   * Every master except {@code leader} reports following it (or, for the demo, sees it as leader).
   */
  public void awaitFollowers(String leader, long epoch, Duration timeout)
      throws TimeoutException, InterruptedException {
    for (String m : masters()) {
      if (m.equals(leader) || expectedToEnd.contains(m)) {
        continue;
      }
      await(
          m + " to see " + leader + " lead",
          timeout,
          e ->
              e.process().equals(m)
                  && e.kind().equals("leader")
                  && nameOf(e.get("leader")).equals(leader)
                  && Long.parseLong(e.get("epoch")) == epoch);
    }
  }

  /**
   * SIGTERM every process still running, then SIGKILL those that do not end within {@code grace}.
   */
  @Override
  public void close() {
    List<JvmProcess> all;
    synchronized (processes) {
      all = new ArrayList<>(processes.values());
    }
    all.forEach(
        p -> {
          expectedToEnd.add(p.name());
          if (p.isAlive()) {
            p.terminate();
          }
        });
    for (JvmProcess p : all) {
      try {
        p.stop(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.kill9();
      }
    }
  }

  public Duration sessionTimeout() {
    return sessionTimeout;
  }
}
