package org.masterha.demo.agent;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.masterha.demo.common.AgentTokens;
import org.masterha.demo.common.Events;
import org.masterha.demo.common.GrpcTls;
import org.masterha.demo.common.MasterEndpoints;
import org.masterha.ha.HaConfig;
import org.masterha.proto.v1.AgentInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.HeartbeatRequest;
import org.masterha.proto.v1.HeartbeatResponse;
import org.masterha.proto.v1.Leader;
import org.masterha.proto.v1.NotLeader;
import org.masterha.proto.v1.RegisterAgentRequest;
import org.masterha.proto.v1.RegisterAgentResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent: it follows the leader its {@link LeaderSource} reports, registers with it, sends
 * heartbeats, and on a failover registers again with the new leader.
 *
 * <p>Fencing: it remembers the highest epoch it has seen (from the source, from redirects and from
 * masters' answers) and refuses any master whose epoch is lower, with an {@code EVENT refused} line
 * saying why. A master that was frozen or partitioned while another was elected therefore never
 * gets this agent back.
 *
 * <p>Everything runs on one thread; gRPC calls are blocking with a short deadline so a dead master
 * cannot stall the agent for long.
 */
public final class DemoAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoAgent.class);

  /**
   * A master refused the agent with {@code UNAUTHENTICATED}: it requires the agents' token and this
   * agent sent none or another. Retrying cannot help, so the agent exits.
   */
  public static final int EXIT_UNAUTHENTICATED = 20;

  private final AgentOptions options;
  private final LeaderSource source;
  private final Events events;
  private final IntConsumer exit;
  private final Duration callTimeout;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "agent-state");
            t.setDaemon(true);
            return t;
          });

  /**
   * How long a sighting below the highest epoch must last before the agent takes it for a store
   * that went back in time (docs/contract.md, rule 11) rather than a stale master: the default
   * session timeout, the longest a lagging view can honestly show an old leader.
   */
  private final Duration confirmRegress;

  // Confined to the loop thread.
  private long highestEpoch;

  /** Since when (nanoTime) every sighting has been below {@link #highestEpoch}; -1: none is. */
  private long regressSince = -1;

  /** The last sighting refused as older, re-judged when a regress would be confirmed. */
  private LeaderSource.Sighting refusedSighting;

  private Target target;
  private String registeredWith;
  private boolean closed;

  /** What the agent is registered with right now, for tests and logs: a pid and epoch, or null. */
  private volatile String registeredNow;

  /** The master this agent is trying to register with or heartbeating to. */
  private static final class Target {
    final String pid;
    final String endpoint;
    final long epoch;
    final ManagedChannel channel;
    final AgentRegistryGrpc.AgentRegistryBlockingStub stub;
    boolean registered;
    boolean reportedUnreachable;
    ScheduledFuture<?> next;

    Target(String pid, long epoch, String endpoint, AgentOptions options) {
      this.pid = pid;
      this.endpoint = endpoint;
      this.epoch = epoch;
      this.channel = GrpcTls.channel(endpoint, options.tls());
      AgentRegistryGrpc.AgentRegistryBlockingStub s = AgentRegistryGrpc.newBlockingStub(channel);
      if (options.token().isPresent()) {
        Metadata headers = new Metadata();
        headers.put(AgentTokens.AUTHORIZATION, AgentTokens.header(options.token().get()));
        s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      this.stub = s;
    }

    void close() {
      if (next != null) {
        next.cancel(false);
      }
      channel.shutdownNow();
    }
  }

  public DemoAgent(AgentOptions options, LeaderSource source, IntConsumer exit) {
    this(options, source, exit, HaConfig.DEFAULT_SESSION_TIMEOUT);
  }

  /** An agent that follows a store gone back in time after {@code confirmRegress}. */
  DemoAgent(AgentOptions options, LeaderSource source, IntConsumer exit, Duration confirmRegress) {
    this.confirmRegress = confirmRegress;
    this.options = options;
    this.source = source;
    this.exit = exit;
    this.events = new Events(options.name());
    this.highestEpoch = options.minEpoch();
    long interval = options.heartbeatInterval().toMillis();
    this.callTimeout = Duration.ofMillis(Math.max(1500, Math.min(3000, interval * 4)));
  }

  public void start() {
    events.emit(
        "started",
        "id",
        options.id(),
        "source",
        source.describe(),
        "min_epoch",
        options.minEpoch() < 0 ? "none" : options.minEpoch(),
        "tls",
        options.tls().map(GrpcTls.Client::mode).orElse("off"),
        "token",
        options.token().isPresent() ? "yes" : "no",
        "os_pid",
        ProcessHandle.current().pid());
    source.start(s -> loop.execute(() -> onSighting(s)), e -> loop.execute(() -> fatal(e)));
  }

  private void fatal(Throwable e) {
    if (closed) {
      return;
    }
    events.emit("exiting", "code", 1, "reason", "leader detection failed: " + e);
    exit.accept(1);
  }

  private void onSighting(Optional<LeaderSource.Sighting> sighting) {
    if (closed) {
      return;
    }
    if (sighting.isEmpty()) {
      if (target != null) {
        events.emit("no-leader", "previous", target.pid);
        dropTarget();
      }
      return;
    }
    LeaderSource.Sighting s = sighting.get();
    String pid = MasterEndpoints.describe(s.info());
    if (s.epoch() < highestEpoch) {
      long now = System.nanoTime();
      if (regressSince < 0) {
        regressSince = now;
      }
      long left = confirmRegress.toNanos() - (now - regressSince);
      if (left > 0) {
        refuse(
            pid,
            s.epoch(),
            s.via(),
            "its epoch "
                + s.epoch()
                + " is below epoch "
                + highestEpoch
                + ", the highest this agent has seen: a stale master (if every sighting stays below"
                + " for a session timeout, the store went back in time and the agent follows it)");
        refusedSighting = s;
        loop.schedule(
            () -> {
              if (refusedSighting == s) {
                onSighting(Optional.of(s));
              }
            },
            left + TimeUnit.MILLISECONDS.toNanos(20),
            TimeUnit.NANOSECONDS);
        return;
      }
      log.error(
          "Every leader sighted for {} has an epoch below {}, the highest this agent has seen: the"
              + " store went back in time (wiped or restored from a backup). Following {} (epoch {})"
              + " on a new epoch line.",
          confirmRegress,
          highestEpoch,
          pid,
          s.epoch());
      events.emit("epoch-line", "leader", pid, "epoch", s.epoch(), "previous_epoch", highestEpoch);
    }
    regressSince = -1;
    refusedSighting = null;
    if (target != null && target.epoch == s.epoch() && target.pid.equals(pid)) {
      return;
    }
    highestEpoch = s.epoch();
    events.emit("leader", "leader", pid, "epoch", s.epoch(), "via", s.via());
    dropTarget();
    target = new Target(pid, s.epoch(), MasterEndpoints.endpoint(s.info()), options);
    Target t = target;
    t.next = loop.schedule(() -> register(t), 0, TimeUnit.MILLISECONDS);
  }

  private void refuse(String pid, long epoch, String via, String reason) {
    events.emit(
        "refused",
        "master",
        pid,
        "epoch",
        epoch,
        "known_epoch",
        highestEpoch,
        "via",
        via,
        "reason",
        reason);
    log.warn("Refusing master {} (epoch {}): {}", pid, epoch, reason);
  }

  private void dropTarget() {
    registeredNow = null;
    if (target != null) {
      target.close();
      target = null;
    }
  }

  private void register(Target t) {
    if (closed || t != target) {
      return;
    }
    RegisterAgentResponse response;
    try {
      response =
          t.stub
              .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .register(
                  RegisterAgentRequest.newBuilder()
                      .setAgent(
                          AgentInfo.newBuilder()
                              .setId(options.id())
                              .setHostname(options.hostname())
                              .setPort(options.port()))
                      .setKnownEpoch(Math.max(highestEpoch, 0))
                      .build());
    } catch (StatusRuntimeException e) {
      if (unauthenticated(t, "register", e)) {
        return;
      }
      unreachable(t, "register", e);
      retry(t, () -> register(t));
      return;
    }
    if (response.hasNotLeader()) {
      notLeader(t, response.getNotLeader(), () -> register(t));
      return;
    }
    Leader master = response.getRegistered().getMaster();
    if (master.getEpoch() < highestEpoch) {
      refuse(
          t.pid,
          master.getEpoch(),
          "registration answer",
          "it accepted the agent with epoch "
              + master.getEpoch()
              + ", below epoch "
              + highestEpoch
              + ", the highest this agent has seen: a stale master");
      retry(t, () -> register(t));
      return;
    }
    highestEpoch = master.getEpoch();
    t.registered = true;
    t.reportedUnreachable = false;
    events.emit(
        registeredWith == null ? "registered" : "reregistered",
        "master",
        t.pid,
        "epoch",
        master.getEpoch(),
        "previous",
        registeredWith == null ? "none" : registeredWith,
        "master_knew_agent",
        response.getRegistered().getReregistered());
    registeredWith = t.pid;
    registeredNow = t.pid + "#" + master.getEpoch();
    t.next =
        loop.schedule(
            () -> heartbeat(t), options.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void heartbeat(Target t) {
    if (closed || t != target || !t.registered) {
      return;
    }
    HeartbeatResponse response;
    try {
      response =
          t.stub
              .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .heartbeat(
                  HeartbeatRequest.newBuilder()
                      .setAgentId(options.id())
                      .setKnownEpoch(Math.max(highestEpoch, 0))
                      .build());
    } catch (StatusRuntimeException e) {
      if (unauthenticated(t, "heartbeat", e)) {
        return;
      }
      // The master may be gone; keep trying until the leader source names another.
      unreachable(t, "heartbeat", e);
      retry(t, () -> heartbeat(t));
      return;
    }
    switch (response.getResultCase()) {
      case ACCEPTED -> {
        if (response.getAccepted().getEpoch() < highestEpoch) {
          refuse(
              t.pid,
              response.getAccepted().getEpoch(),
              "heartbeat answer",
              "it answered as leader of epoch "
                  + response.getAccepted().getEpoch()
                  + ", below epoch "
                  + highestEpoch
                  + ": a stale master");
          t.registered = false;
          registeredNow = null;
          return;
        }
        if (t.reportedUnreachable) {
          log.info("Master {} answers again", t.pid);
          t.reportedUnreachable = false;
        }
        retry(t, () -> heartbeat(t));
      }
      case NOT_LEADER -> {
        t.registered = false;
        registeredNow = null;
        notLeader(t, response.getNotLeader(), () -> register(t));
      }
      case UNKNOWN_AGENT -> {
        log.info(
            "Master {} does not know this agent ({}); registering again",
            t.pid,
            response.getUnknownAgent());
        t.registered = false;
        registeredNow = null;
        t.next = loop.schedule(() -> register(t), 0, TimeUnit.MILLISECONDS);
      }
      default -> retry(t, () -> heartbeat(t));
    }
  }

  /**
   * A master that is not (or no longer) the leader answered; follow its redirect if it names a
   * newer leader.
   */
  private void notLeader(Target t, NotLeader answer, Runnable again) {
    log.info("Master {} is not the leader: {}", t.pid, answer.getMessage());
    if (answer.hasLeader()) {
      Leader l = answer.getLeader();
      String pid = MasterEndpoints.describe(l.getInfo());
      boolean sameAsTarget = pid.equals(t.pid) && l.getEpoch() == t.epoch;
      if (!sameAsTarget && l.getEpoch() >= highestEpoch) {
        onSighting(
            Optional.of(
                new LeaderSource.Sighting(l.getInfo(), l.getEpoch(), "redirect from " + t.pid)));
        return;
      }
    }
    retry(t, again);
  }

  /**
   * If {@code e} is the master's {@code UNAUTHENTICATED}: says so and exits with {@link
   * #EXIT_UNAUTHENTICATED}, true. The master's message names no token, and neither does this.
   */
  private boolean unauthenticated(Target t, String what, StatusRuntimeException e) {
    if (e.getStatus().getCode() != Status.Code.UNAUTHENTICATED) {
      return false;
    }
    String reason =
        "master "
            + t.pid
            + " refused "
            + what
            + " with UNAUTHENTICATED: "
            + e.getStatus().getDescription()
            + (options.token().isPresent()
                ? "; check that --token-file/--token-env give the token of the masters'"
                    + " --agent-token-file/--agent-token-env"
                : "; this agent was given no token");
    log.error("Exiting with code {}: {}", EXIT_UNAUTHENTICATED, reason);
    events.emit("exiting", "code", EXIT_UNAUTHENTICATED, "reason", reason);
    closed = true;
    dropTarget();
    exit.accept(EXIT_UNAUTHENTICATED);
    return true;
  }

  private void unreachable(Target t, String what, StatusRuntimeException e) {
    if (!t.reportedUnreachable) {
      t.reportedUnreachable = true;
      if (tlsFailure(e) != null) {
        log.error(
            "TLS with master {} failed: {}; check --tls-ca (and --tls-cert/--tls-key) against the"
                + " master's --tls-cert (and --tls-client-ca)",
            t.pid,
            tlsFailure(e));
      }
      events.emit(
          "master-unreachable",
          "master",
          t.pid,
          "epoch",
          t.epoch,
          "call",
          what,
          "status",
          e.getStatus().getCode());
    }
    source.unreachable(t.endpoint);
    log.debug("{} to {} failed: {}", what, t.pid, e.getStatus());
  }

  /** The message of the TLS failure behind {@code e}, if it is one. */
  private static String tlsFailure(StatusRuntimeException e) {
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof javax.net.ssl.SSLException) {
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
      }
    }
    return null;
  }

  private void retry(Target t, Runnable action) {
    if (!closed && t == target) {
      t.next = loop.schedule(action, options.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** {@code pid#epoch} of the master this agent is registered with, if any. */
  public Optional<String> registeredWith() {
    return Optional.ofNullable(registeredNow);
  }

  @Override
  public void close() {
    if (loop.isShutdown()) {
      return;
    }
    try {
      loop.submit(
              () -> {
                closed = true;
                dropTarget();
              })
          .get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Could not stop the agent's state machine in time: {}", e.toString());
    }
    source.close();
    loop.shutdownNow();
    events.emit(
        "stopped",
        "last_master",
        registeredWith == null ? "none" : registeredWith,
        "highest_epoch",
        highestEpoch);
  }
}
