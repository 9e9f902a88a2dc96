package org.masterha.demo.master;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.masterha.demo.common.Events;
import org.masterha.demo.common.GrpcTls;
import org.masterha.demo.common.MasterEndpoints;
import org.masterha.demo.common.Version;
import org.masterha.ha.Durations;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.leader.LeaderListener;
import org.masterha.ha.observe.HaObserver;
import org.masterha.ha.pid.PidGroup;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.micrometer.MasterhaMetrics;
import org.masterha.proto.MasterInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.LeaderEvent;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mesos-style master. It contends for leadership, publishes its MasterInfo, joins the PID group
 * and serves the gRPC API; agents are accepted only while it leads.
 *
 * <p>States: STARTING, then CONTENDING until its candidacy is registered and it sees a leader, then
 * FOLLOWING or LEADING, and EXITING at the end. It leads only when its candidacy was elected
 * <em>and</em> its detector reports that candidacy, so what it serves never runs ahead of what the
 * store says. Like a Mesos master it exits when it loses leadership, detects another leader, or
 * detects none while leading (distinct exit codes), unless {@code --contend-again} asks it to step
 * down and contend again.
 *
 * <p>Every state change runs on one thread, {@code loop}; the gRPC threads read an immutable {@link
 * View}.
 */
public final class DemoMaster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoMaster.class);

  public static final int EXIT_LOST_LEADERSHIP = 10;
  public static final int EXIT_OTHER_LEADER = 11;
  public static final int EXIT_NO_LEADER = 12;
  public static final int EXIT_LOST_CANDIDACY = 13;

  public enum State {
    STARTING,
    CONTENDING,
    FOLLOWING,
    LEADING,
    EXITING
  }

  /** A consistent snapshot for the gRPC threads. */
  public record View(
      State state,
      Optional<org.masterha.proto.v1.Leader> detectedLeader,
      long epoch,
      Optional<org.masterha.proto.v1.Leader> self,
      Candidacy candidacy) {
    /**
     * Whether this master leads at the moment of the call: the state machine says LEADING and the
     * candidacy still leads by its session's deadline ({@link Candidacy#isLeader()}). A master
     * resuming from a pause longer than the session timeout answers false at once, before its state
     * thread has run and handled the loss.
     */
    public boolean leading() {
      return state == State.LEADING && candidacy != null && candidacy.isLeader();
    }

    /**
     * This master as leader while leading; else the leader it detected, unless that is this
     * master's own candidacy whose leadership has just lapsed (then no leader until detection says
     * more).
     */
    public Optional<org.masterha.proto.v1.Leader> leader() {
      if (leading()) {
        return self;
      }
      return state == State.LEADING ? Optional.empty() : detectedLeader;
    }
  }

  private final MasterOptions options;
  private final HaBackends backends;
  private final IntConsumer exit;
  private final ExecutorService loop;
  private final HealthStatusManager health = new HealthStatusManager();
  private final LeaderWatchers watchers = new LeaderWatchers();
  private final AgentRegistryService registry = new AgentRegistryService(this);
  private final AgentTokenCheck tokenCheck;
  private final SessionLiveness liveness = new SessionLiveness();
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private volatile View view =
      new View(State.STARTING, Optional.empty(), -1, Optional.empty(), null);
  private volatile MasterInfo info;
  private volatile String backend = "";
  private Events events;
  private Server server;
  private volatile MetricsHttpServer metricsServer;
  private HaSession session;
  private Contender contender;
  private Detector detector;
  private volatile Detector.Following following;

  // Confined to the loop thread.
  private State state = State.STARTING;
  private Candidacy candidacy;
  private boolean elected;
  private Optional<Leader> detected;

  /** The leader this master last announced it follows. */
  private Membership followed;

  private boolean exiting;

  /** The candidacy whose registry read is under way, before it starts leading. */
  private Candidacy recovering;

  /** {@code exit} is called once, with the code the process should exit with. */
  public DemoMaster(MasterOptions options, HaBackends backends, IntConsumer exit) {
    this.options = options;
    this.backends = backends;
    this.exit = exit;
    this.tokenCheck = options.agentToken().map(AgentTokenCheck::new).orElse(null);
    this.loop =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "master-state");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Opens the session, binds the gRPC server and starts contending. Bad HA settings surface here as
   * {@link org.masterha.ha.error.HaConfigException} before anything is served; a port in use as an
   * IOException.
   */
  public void start() throws IOException {
    HaObserver observer = liveness;
    PrometheusMeterRegistry meters = null;
    if (options.metrics().isPresent()) {
      meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      observer = HaObserver.all(liveness, MasterhaMetrics.of(meters));
    }
    HaConfig ha = options.ha();
    session =
        backends.open(ha.toBuilder().observer(HaObserver.all(ha.observer(), observer)).build());
    backend = session.backend();
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(AgentRegistryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    health.setStatus(MasterServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    String where = options.ip().getHostAddress() + ":" + options.port();
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(options.ip(), options.port()));
      options.tls().ifPresent(tls -> tls.apply(builder));
      server =
          builder
              .addService(new MasterServiceImpl(this, watchers))
              // Register and Heartbeat need the agents' token when one is set; nothing else does.
              .addService(
                  tokenCheck == null
                      ? registry.bindService()
                      : ServerInterceptors.intercept(registry, tokenCheck))
              .addService(new LeaderAwareHealth(health, () -> view().leading()))
              .build()
              .start();
    } catch (IOException e) {
      session.close();
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IOException("cannot serve the gRPC API on " + where + ": " + cause.getMessage(), e);
    }
    if (meters != null) {
      try {
        metricsServer =
            MetricsHttpServer.start(
                options.metrics().get(), meters, liveness::live, () -> view().leading());
      } catch (IOException e) {
        session.close();
        server.shutdownNow();
        throw e;
      }
      log.info(
          "Serving /metrics, /health and /ready on http://{}:{}",
          options.metrics().get().getAddress().getHostAddress(),
          metricsServer.port());
    }
    info =
        MasterInfos.of(
            UUID.randomUUID().toString(),
            options.ip().getHostAddress(),
            server.getPort(),
            options.hostname(),
            Version.get());
    events = new Events(options.name() != null ? options.name() : info.getPid());
    registry.events(events);
    if (tokenCheck != null) {
      tokenCheck.events(events);
    }
    String tls = options.tls().map(GrpcTls.Server::mode).orElse("off");
    String token = options.agentToken().isPresent() ? "required" : "off";
    events.emit(
        "started",
        "pid",
        info.getPid(),
        "id",
        info.getId(),
        "backend",
        backend,
        "url",
        options.ha().url(),
        "session_timeout",
        Durations.format(options.ha().sessionTimeout()),
        "os_pid",
        ProcessHandle.current().pid(),
        "tls",
        tls,
        "agent_token",
        token);
    log.info(
        "Master {} serving gRPC on {}:{} (TLS {}, agent token {}), HA {} ({}), session timeout {}",
        info.getPid(),
        options.ip().getHostAddress(),
        server.getPort(),
        tls,
        token,
        options.ha().url(),
        backend,
        Durations.format(options.ha().sessionTimeout()));
    if (options.tls().isEmpty() && !options.ip().isLoopbackAddress()) {
      log.warn(
          "The gRPC API on {}:{} is served in plaintext: it is {};"
              + " give --tls-cert and --tls-key (and --tls-client-ca for mutual TLS) to lock it down"
              + " (docs/operations.md, TLS and tokens)",
          options.ip().getHostAddress(),
          server.getPort(),
          options.agentToken().isPresent()
              ? "unencrypted (the agents' token travels in the clear, readable on the network)"
              : "unencrypted and unauthenticated (any process that reaches it can register an"
                  + " agent)");
    }
    contender = session.contender(info);
    detector = session.detector();
    loop.execute(
        () -> {
          detect();
          contend();
          joinPidGroup();
        });
  }

  public MasterInfo info() {
    return info;
  }

  public String backend() {
    return backend;
  }

  public View view() {
    return view;
  }

  /** The port the gRPC API is served on. */
  /** The port {@code /metrics} is served on; empty without {@code --metrics-port}. */
  public Optional<Integer> metricsPort() {
    MetricsHttpServer m = metricsServer;
    return m == null ? Optional.empty() : Optional.of(m.port());
  }

  public int port() {
    return server.getPort();
  }

  // ---- state machine, on the loop thread ----

  /** Follows the leader; every answer is handled on the state thread, in order. */
  private void detect() {
    following =
        detector.follow(
            new LeaderListener() {
              @Override
              public void leaderChanged(Optional<Leader> leader) {
                loop.execute(() -> onDetected(leader, null));
              }

              @Override
              public void detectionFailed(Throwable cause) {
                loop.execute(() -> onDetected(null, cause));
              }
            });
  }

  private void onDetected(Optional<Leader> leader, Throwable error) {
    if (exiting) {
      return;
    }
    if (error != null) {
      Throwable cause = unwrap(error);
      if (!(cause instanceof CancellationException)) {
        exitWith(1, "leader detection failed: " + cause);
      }
      return;
    }
    detected = leader;
    if (leader.isPresent()) {
      events.emit(
          "leader",
          "leader",
          MasterEndpoints.describe(leader.get().info()),
          "epoch",
          leader.get().epoch(),
          "self",
          isUs(leader));
    } else {
      events.emit("no-leader");
    }
    watchers.publish(leaderEvent(leader));
    if (state == State.LEADING) {
      if (leader.isEmpty()) {
        leadershipEnded(
            EXIT_NO_LEADER,
            "no-leader-while-leading",
            "detected no leader while leading epoch " + candidacy.epoch());
      } else if (!isUs(leader)) {
        leadershipEnded(
            EXIT_OTHER_LEADER,
            "other-leader",
            "detected leader "
                + MasterEndpoints.describe(leader.get().info())
                + " (epoch "
                + leader.get().epoch()
                + ") while leading epoch "
                + candidacy.epoch());
      }
    }
    reevaluate();
  }

  private void contend() {
    state = State.CONTENDING;
    candidacy = null;
    elected = false;
    followed = null;
    publishView();
    events.emit("contending");
    contender.contend().whenCompleteAsync(this::onCandidacy, loop);
  }

  private void onCandidacy(Candidacy c, Throwable error) {
    if (exiting) {
      return;
    }
    if (error != null) {
      exitWith(1, "could not register the candidacy: " + unwrap(error));
      return;
    }
    candidacy = c;
    events.emit(
        "candidacy",
        "epoch",
        c.epoch(),
        "member",
        c.membership().id(),
        "session",
        session.sessionId());
    c.elected()
        .whenCompleteAsync(
            (l, e) -> {
              if (e == null && candidacy == c && !exiting) {
                elected = true;
                reevaluate();
              }
            },
            loop);
    c.lost().whenCompleteAsync((v, e) -> onLost(c), loop);
    reevaluate();
  }

  private void onLost(Candidacy c) {
    if (exiting || candidacy != c) {
      return;
    }
    if (state == State.LEADING) {
      leadershipEnded(
          EXIT_LOST_LEADERSHIP,
          "lost-leadership",
          "the candidacy of epoch "
              + c.epoch()
              + " was lost: the session expired or the store was unreachable for the session timeout");
    } else {
      String reason = "the candidacy of epoch " + c.epoch() + " was lost before it was elected";
      events.emit("lost-candidacy", "epoch", c.epoch(), "reason", reason);
      if (options.contendAgain()) {
        contend();
      } else {
        exitWith(EXIT_LOST_CANDIDACY, reason);
      }
    }
  }

  /** Leading stopped being safe: stop acting as leader at once, then exit or contend again. */
  private void leadershipEnded(int code, String kind, String reason) {
    Candidacy c = candidacy;
    events.emit(kind, "epoch", c.epoch(), "reason", reason);
    stopLeading();
    if (!options.contendAgain()) {
      exitWith(code, reason);
      return;
    }
    candidacy = null;
    if (c.lost().isDone()) {
      contend();
    } else {
      // Our member may still stand first in line; withdraw it so the next leader is a fresh
      // candidacy.
      contender
          .withdraw()
          .whenCompleteAsync(
              (ok, e) -> {
                if (!exiting) {
                  contend();
                }
              },
              loop);
    }
  }

  private void stopLeading() {
    state = State.CONTENDING;
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(AgentRegistryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    registry.clear();
    publishView();
  }

  private void reevaluate() {
    if (exiting || candidacy == null || detected == null) {
      return;
    }
    boolean us = isUs(detected);
    if (state != State.LEADING && elected && us) {
      // Recover the registry before serving agents, so a registration is always judged against it.
      // The read is
      // asynchronous: this thread keeps handling detection and loss while the store answers.
      if (recovering != candidacy) {
        Candidacy c = candidacy;
        recovering = c;
        try {
          org.masterha.ha.state.State fenced = session.state(c);
          registry
              .fetch(fenced)
              .whenCompleteAsync((v, e) -> onRegistryFetched(c, fenced, v, e), loop);
        } catch (RuntimeException e) {
          exitWith(
              1,
              "could not recover the registry after being elected with epoch "
                  + c.epoch()
                  + ": "
                  + e.getMessage());
          return;
        }
      }
      publishView();
    } else if (state != State.LEADING
        && detected.isPresent()
        && !us
        && !detected.get().membership().equals(followed)) {
      // A candidate behind another leader: say whom it follows, again each time that leader
      // changes.
      state = State.FOLLOWING;
      followed = detected.get().membership();
      publishView();
      events.emit(
          "following",
          "leader",
          MasterEndpoints.describe(detected.get().info()),
          "epoch",
          detected.get().epoch(),
          "candidacy_epoch",
          candidacy.epoch());
    } else {
      publishView();
    }
  }

  /**
   * The registry read for candidacy {@code c} answered: lead, if {@code c} is still elected and
   * first in line.
   */
  private void onRegistryFetched(
      Candidacy c,
      org.masterha.ha.state.State fenced,
      org.masterha.ha.state.Variable v,
      Throwable error) {
    if (recovering == c) {
      recovering = null;
    }
    if (exiting || candidacy != c || state == State.LEADING) {
      return;
    }
    if (error != null) {
      Throwable cause = unwrap(error);
      exitWith(
          1,
          "could not recover the registry after being elected with epoch "
              + c.epoch()
              + ": "
              + (cause instanceof java.util.concurrent.TimeoutException
                  ? "the store did not answer in time"
                  : cause));
      return;
    }
    if (!elected || !isUs(detected) || c.lost().isDone()) {
      reevaluate(); // lost or deposed while the store answered
      return;
    }
    try {
      registry.recover(fenced, c.epoch(), v, options.reregistrationTimeout());
    } catch (Exception e) {
      exitWith(
          1,
          "could not recover the registry after being elected with epoch " + c.epoch() + ": " + e);
      return;
    }
    state = State.LEADING;
    followed = null;
    publishView();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(AgentRegistryGrpc.SERVICE_NAME, ServingStatus.SERVING);
    events.emit("elected", "epoch", c.epoch(), "pid", info.getPid());
    log.info("Leading with epoch {}", c.epoch());
  }

  /** A fenced registry write was refused: this master was deposed as leader of {@code epoch}. */
  void registryDeposed(long epoch, String why) {
    loop.execute(
        () -> {
          if (!exiting
              && state == State.LEADING
              && candidacy != null
              && candidacy.epoch() == epoch) {
            leadershipEnded(
                EXIT_LOST_LEADERSHIP,
                "lost-leadership",
                "a registry write was refused by the store: " + why);
          }
        });
  }

  /** The registry could not be written for another reason than being deposed. */
  void registryFailed(String why) {
    loop.execute(() -> exitWith(1, why));
  }

  private boolean isUs(Optional<Leader> leader) {
    return leader.isPresent()
        && candidacy != null
        && leader.get().membership().equals(candidacy.membership());
  }

  private void publishView() {
    Optional<org.masterha.proto.v1.Leader> seen =
        detected == null ? Optional.empty() : detected.map(DemoMaster::toProto);
    long epoch = candidacy == null ? -1 : candidacy.epoch();
    Optional<org.masterha.proto.v1.Leader> self =
        candidacy == null
            ? Optional.empty()
            : Optional.of(
                org.masterha.proto.v1.Leader.newBuilder().setInfo(info).setEpoch(epoch).build());
    view = new View(state, seen, epoch, self, candidacy);
  }

  private void exitWith(int code, String reason) {
    if (exiting) {
      return;
    }
    exiting = true;
    state = State.EXITING;
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(AgentRegistryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    publishView();
    events.emit("exiting", "code", code, "reason", reason);
    log.error("Exiting with code {}: {}", code, reason);
    exit.accept(code);
  }

  private void joinPidGroup() {
    PidGroup pids = session.pidGroup();
    String endpoint = "log-replica(1)@" + options.ip().getHostAddress() + ":" + server.getPort();
    pids.join(endpoint)
        .whenComplete(
            (m, e) -> {
              if (e != null) {
                log.warn("Could not join the PID group as {}: {}", endpoint, unwrap(e).toString());
                return;
              }
              log.info("Joined the PID group as {} ({})", endpoint, m.id());
              m.cancelled()
                  .thenAccept(
                      byUs -> {
                        if (!byUs) {
                          log.warn(
                              "Lost the PID group membership {} (session expired or store unreachable)",
                              m.id());
                        }
                      });
              followPidGroup(pids, -1);
            });
  }

  private void followPidGroup(PidGroup pids, int lastSize) {
    pids.watch(
            Math.max(lastSize, 0),
            lastSize < 0
                ? PidGroup.SizeCondition.GREATER_THAN_OR_EQUAL_TO
                : PidGroup.SizeCondition.NOT_EQUAL_TO)
        .whenComplete(
            (endpoints, e) -> {
              if (e != null) {
                return;
              }
              log.info("PID group: {} replica(s) {}", endpoints.size(), endpoints);
              followPidGroup(pids, endpoints.size());
            });
  }

  private static LeaderEvent leaderEvent(Optional<Leader> leader) {
    LeaderEvent.Builder b =
        LeaderEvent.newBuilder()
            .setObservedAtMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
    leader.ifPresent(l -> b.setLeader(toProto(l)));
    return b.build();
  }

  static org.masterha.proto.v1.Leader toProto(Leader l) {
    return org.masterha.proto.v1.Leader.newBuilder().setInfo(l.info()).setEpoch(l.epoch()).build();
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /**
   * Stops serving as leader at once, then closes the session (which deletes our members, so another
   * master takes over in milliseconds) and the server. Idempotent; bounded in time so a shutdown
   * hook never hangs.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      loop.submit(
              () -> {
                if (!exiting) {
                  boolean wasLeading = state == State.LEADING;
                  exiting = true;
                  state = State.EXITING;
                  health.setStatus("", ServingStatus.NOT_SERVING);
                  health.setStatus(AgentRegistryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
                  publishView();
                  if (events != null) {
                    events.emit(
                        "stopping",
                        "reason",
                        "shutdown requested",
                        "epoch",
                        candidacy == null ? "none" : candidacy.epoch(),
                        "was_leading",
                        wasLeading);
                  }
                }
              })
          .get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Could not stop the state machine in time: {}", e.toString());
    }
    if (following != null) {
      following.close();
    }
    if (detector != null) {
      detector.close();
    }
    if (session != null) {
      session.close();
    }
    watchers.close();
    health.enterTerminalState();
    if (server != null) {
      server.shutdown();
      try {
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    loop.shutdownNow();
    if (events != null) {
      events.emit("stopped");
    }
  }
}
