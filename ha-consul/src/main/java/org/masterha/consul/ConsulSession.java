package org.masterha.consul;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.model.session.SessionInfo;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.spi.Backoff;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.LivenessDeadline;
import org.masterha.ha.spi.PendingOperations;
import org.masterha.ha.spi.Retrier;
import org.masterha.ha.spi.SessionEvents;
import org.masterha.ha.state.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of a Consul agent and, at any time, at most one Consul session (an "incarnation") that
 * every member this client joins is acquired with.
 *
 * <p>States ({@link Phase}): CREATING (no live Consul session; one is being created, retried until
 * the agent answers) -> LIVE (renewed every quarter TTL) -> back to CREATING when the session is
 * lost -> CLOSED; IDLE before the first join and when Consul refused to create one (the next
 * operation tries again). The first Consul session is created when the first operation needs one (a
 * join, a fenced write), and operations that need one wait for it: a client that only detects never
 * creates one, so a token that may only read the base path's keys is enough for it.
 *
 * <p>A session is lost when Consul says it no longer exists (a renewal answers 404), or when the
 * local {@link LivenessDeadline} passes: one TTL after the send time of the last renewal Consul
 * confirmed, the soonest Consul may invalidate it. Then every membership made with it completes
 * {@code cancelled(false)}, the session is destroyed if the agent can be reached (so its keys
 * vanish now rather than at the reap), and a new one is created for the joins that follow.
 */
final class ConsulSession implements HaSession {
  private static final Logger log = LoggerFactory.getLogger(ConsulSession.class);

  /**
   * Renewals allowed in flight at once: a second one on a fresh connection gets through when the
   * first hangs.
   */
  private static final int MAX_RENEWALS_IN_FLIGHT = 2;

  enum Phase {
    IDLE,
    CREATING,
    LIVE,
    CLOSED
  }

  /** One Consul session. */
  static final class Incarnation {
    final String id;

    /** Written under the session's lock; read without it by {@link ConsulSession#trusts}. */
    volatile boolean lost;

    Incarnation(String id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  private final ConsulSettings settings;
  private final Optional<PemTls> tls;
  private final String name;
  private final Consul consul;
  private final ExecutorService io;
  private final ScheduledExecutorService timer;
  private final LivenessDeadline deadline;
  private final Map<String, ConsulGroup> groups = new ConcurrentHashMap<>();
  private final MemberKeys memberKeys = new MemberKeys();
  private final ScheduledFuture<?> renewals;

  /** Operations under way; close() fails them. */
  private final PendingOperations pending = new PendingOperations();

  private final Retrier retrier;

  private final Object lock = new Object();
  private Phase phase = Phase.IDLE;

  /** The live Consul session: set in LIVE only. */
  private Incarnation live;

  private CompletableFuture<Incarnation> next = new CompletableFuture<>();
  private int createFailures;
  private int renewalsInFlight;
  private long lastConfirmedSend = Long.MIN_VALUE;
  private volatile String lastId = "";
  private final SessionEvents observed;

  /**
   * Made on the first state write: most clients never write state. JDK 17's HttpClient has no
   * close(): its selector thread ends once the client is unreachable, and its other work runs on
   * {@link #io}, which close() shuts down. Guarded by lock.
   */
  private ConsulTxn txn;

  ConsulSession(ConsulSettings settings, Optional<PemTls> tls) {
    this.settings = settings;
    this.tls = tls;
    this.name = "consul-" + Integer.toHexString(System.identityHashCode(this));
    this.io = Executors.newCachedThreadPool(DaemonThreads.named(name + "-io"));
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named(name + "-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    // Backoff from 50 ms to a quarter TTL (at most 1 s), with jitter; the reads' attempts run on
    // the I/O pool.
    Backoff backoff =
        Backoff.exponential(
                Duration.ofMillis(50),
                Duration.ofMillis(Math.min(1000, Math.max(100, settings.ttl().toMillis() / 4))))
            .withJitter();
    this.retrier =
        new Retrier(
            timer, ConsulFailures::classify, backoff, this::isClosed, this::closedException);
    this.consul =
        ConsulClients.build(
            settings, tls, Executors.newCachedThreadPool(DaemonThreads.named(name + "-http")));
    this.observed =
        new SessionEvents(
            settings.config().observer().session(backend(), settings.config().basePath()));
    observed.connectionState(ConnectionState.CONNECTING);
    this.deadline = new LivenessDeadline(settings.ttl(), timer, this::deadlinePassed, observed);
    long every = settings.renewInterval().toNanos();
    this.renewals = timer.scheduleAtFixedRate(this::renewTick, every, every, TimeUnit.NANOSECONDS);
    // No Consul session yet: the first join creates one. A client that only detects never does,
    // so it needs nothing but read access to the base path's keys (no session:write).
  }

  // ---- HaSession

  @Override
  public String backend() {
    return "consul";
  }

  @Override
  public HaConfig config() {
    return settings.config();
  }

  @Override
  public Group group(String relativePath) {
    String path = GroupPaths.resolve(settings.config().basePath(), relativePath);
    synchronized (lock) {
      if (phase == Phase.CLOSED) {
        throw new SessionClosedException("Consul client " + name + " is closed");
      }
      return groups.computeIfAbsent(
          path,
          p ->
              new ConsulGroup(
                  this,
                  p,
                  settings.keyPrefix() + (relativePath.isEmpty() ? "" : "/" + relativePath) + "/"));
    }
  }

  /**
   * The state variables under {@code <base>/state/}; see {@link ConsulState}. A fenced state checks
   * that the candidacy's member key is held by this client's Consul session, so the candidacy must
   * be one of this client's.
   */
  @Override
  public State state(Optional<Candidacy> fence) {
    if (isClosed()) {
      throw closedException();
    }
    return new ConsulState(this, fence);
  }

  @Override
  public SessionEvents sessionEvents() {
    return observed;
  }

  /** The live Consul session's id, else the last one granted, else empty. */
  @Override
  public String sessionId() {
    synchronized (lock) {
      return live != null ? live.id : lastId;
    }
  }

  /**
   * The live Consul session's id; empty while none is live (being created, or the client is
   * closed).
   */
  Optional<String> liveSessionId() {
    synchronized (lock) {
      return Optional.ofNullable(live).map(i -> i.id);
    }
  }

  // ---- for groups

  ConsulSettings settings() {
    return settings;
  }

  Consul consul() {
    return consul;
  }

  ExecutorService io() {
    return io;
  }

  MemberKeys memberKeys() {
    return memberKeys;
  }

  /** The transaction client for state writes (the JDK's HttpClient: see {@link ConsulTxn}). */
  ConsulTxn txn() {
    synchronized (lock) {
      if (phase == Phase.CLOSED) {
        throw closedException();
      }
      if (txn == null) {
        txn = new ConsulTxn(settings, tls, io);
      }
      return txn;
    }
  }

  boolean isClosed() {
    synchronized (lock) {
      return phase == Phase.CLOSED;
    }
  }

  SessionClosedException closedException() {
    return new SessionClosedException(
        "Consul client " + name + " for " + settings.config().basePath() + " is closed");
  }

  /** Operations' results, so that close() fails those still under way. */
  PendingOperations pending() {
    return pending;
  }

  /**
   * Retries requests on the I/O pool with the session's backoff, by {@link
   * ConsulFailures#classify}.
   */
  Retrier retrier() {
    return retrier;
  }

  /**
   * The live Consul session, once there is one. Fails when the client is closed or Consul refuses
   * to create one.
   */
  CompletableFuture<Incarnation> live() {
    synchronized (lock) {
      if (phase == Phase.CLOSED) {
        return CompletableFuture.failedFuture(closedException());
      }
      if (phase == Phase.LIVE) {
        return CompletableFuture.completedFuture(live);
      }
      startCreating();
      return next;
    }
  }

  /**
   * Runs {@code register} if {@code inc} is still live, atomically with respect to losing it, so a
   * membership is either registered before its session's loss (and then lost with it) or refused.
   */
  /**
   * Whether keys held by {@code inc} can still be trusted at the moment of the call, from any
   * thread: it is not lost and the local deadline (one TTL after the last confirmed renewal was
   * sent) has not passed, which a process resuming from a long pause sees at once, before the
   * deadline's timer has run.
   */
  boolean trusts(Incarnation inc) {
    return !inc.lost && !isClosed() && !deadline.passed();
  }

  /** The id of the live Consul session, or empty while there is none. */
  Optional<String> liveId() {
    synchronized (lock) {
      return phase == Phase.LIVE ? Optional.of(live.id) : Optional.empty();
    }
  }

  boolean whileLive(Incarnation inc, Runnable register) {
    synchronized (lock) {
      if (phase != Phase.LIVE || inc.lost || live != inc) {
        return false;
      }
      register.run();
      return true;
    }
  }

  /** Runs {@code task} on the I/O pool after {@code delay}, unless the client is closed by then. */
  void later(Duration delay, Runnable task) {
    try {
      timer.schedule(
          () -> {
            if (!isClosed()) {
              execute(task);
            }
          },
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  void execute(Runnable task) {
    try {
      io.execute(task);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * The pause before attempt {@code attempt + 1} (from 0) of a hand-driven retry: the retrier's
   * backoff.
   */
  Duration backoff(int attempt) {
    return retrier.backoff().delay(attempt + 1);
  }

  /**
   * Consul refused an operation because it no longer knows {@code inc}: lose it now rather than at
   * the next renewal.
   */
  void sessionGone(Incarnation inc, String why) {
    lose(inc, why, false);
  }

  // ---- creating

  /** Guarded by lock. */
  private void startCreating() {
    if (phase != Phase.IDLE) {
      return;
    }
    phase = Phase.CREATING;
    execute(this::createOnce);
  }

  private void createOnce() {
    if (isClosed()) {
      return;
    }
    long sent = System.nanoTime();
    String id;
    try {
      id =
          consul
              .sessionClient()
              .createSession(
                  ImmutableSession.builder()
                      .name("masterha " + settings.config().basePath())
                      .ttl(GoDurations.format(settings.ttl()))
                      .behavior("delete")
                      .lockDelay(GoDurations.format(settings.lockDelay()))
                      .build())
              .getId();
    } catch (RuntimeException e) {
      createFailed(e);
      return;
    }
    Incarnation inc = new Incarnation(id);
    CompletableFuture<Incarnation> waiting;
    synchronized (lock) {
      if (phase == Phase.CLOSED) {
        waiting = null;
      } else {
        phase = Phase.LIVE;
        createFailures = 0;
        live = inc;
        lastId = id;
        lastConfirmedSend = sent;
        // Consul starts the TTL when it creates the session, after we sent the request.
        observed.connectionState(ConnectionState.CONNECTED);
        deadline.arm(sent);
        waiting = next;
        next = new CompletableFuture<>();
      }
    }
    if (waiting == null) {
      destroyQuietly(id);
      return;
    }
    log.info(
        "Consul session {} created at {} for {} (TTL {}, lock-delay {})",
        id,
        settings.agent(),
        settings.config().basePath(),
        GoDurations.format(settings.ttl()),
        GoDurations.format(settings.lockDelay()));
    waiting.complete(inc);
  }

  private void createFailed(RuntimeException e) {
    if (ConsulFailures.retryable(e)) {
      int failures;
      synchronized (lock) {
        failures = ++createFailures;
      }
      if (failures == 1 || failures % 20 == 0) {
        log.warn(
            "Cannot create a Consul session at {} yet ({}); retrying",
            settings.agent(),
            e.getMessage());
      }
      later(backoff(failures), this::createOnce);
      return;
    }
    RuntimeException fatal = ConsulFailures.fatal(e, "create a session", settings);
    CompletableFuture<Incarnation> waiting;
    synchronized (lock) {
      if (phase == Phase.CREATING) {
        phase = Phase.IDLE;
      }
      createFailures = 0;
      waiting = next;
      next = new CompletableFuture<>();
    }
    log.error("Cannot create a Consul session: {}", fatal.getMessage());
    // The next operation tries again: the operator may have fixed the token in the meantime.
    waiting.completeExceptionally(fatal);
  }

  // ---- renewing

  /**
   * Renews at once (unless enough renewals are under way): to learn quickly whether the session
   * still exists.
   */
  void renewNow() {
    try {
      timer.execute(this::renewTick);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void renewTick() {
    Incarnation inc;
    synchronized (lock) {
      inc = live;
      if (phase != Phase.LIVE || renewalsInFlight >= MAX_RENEWALS_IN_FLIGHT) {
        return;
      }
      renewalsInFlight++;
    }
    execute(() -> renew(inc));
  }

  private void renew(Incarnation inc) {
    long sent = System.nanoTime();
    Optional<SessionInfo> info;
    try {
      info = consul.sessionClient().renewSession(inc.id);
    } catch (RuntimeException e) {
      synchronized (lock) {
        renewalsInFlight--;
      }
      if (ConsulFailures.sessionGone(e)) {
        lose(inc, "Consul no longer knows it (expired or destroyed on the servers)", false);
      } else {
        observed.renewalFailed();
        log.debug("Renewing Consul session {} failed: {}", inc.id, e.getMessage());
      }
      return;
    }
    if (info.isEmpty()) {
      synchronized (lock) {
        renewalsInFlight--;
      }
      lose(inc, "Consul no longer knows it (renewal answered no session)", false);
      return;
    }
    synchronized (lock) {
      renewalsInFlight--;
      if (phase == Phase.LIVE && live == inc && sent - lastConfirmedSend > 0) {
        lastConfirmedSend = sent;
        deadline.arm(sent);
      }
    }
  }

  private void deadlinePassed() {
    Incarnation inc;
    synchronized (lock) {
      inc = live;
      // Re-armed since the timer fired: a renewal got through just in time.
      if (inc == null || (deadline.deadlineNanos() != Long.MAX_VALUE && !deadline.passed())) {
        return;
      }
    }
    lose(
        inc,
        "no renewal confirmed within its TTL of "
            + GoDurations.format(settings.ttl())
            + "; Consul may expire it from now on",
        true);
  }

  /**
   * Our memberships made with {@code inc} can no longer be trusted; go on with a new Consul
   * session.
   */
  private void lose(Incarnation inc, String why, boolean destroy) {
    synchronized (lock) {
      if (phase != Phase.LIVE || inc.lost || live != inc) {
        return;
      }
      inc.lost = true;
      live = null;
      phase = Phase.IDLE;
      deadline.disarm();
    }
    // Before the members are cancelled, so their loss is put down to the session.
    observed.connectionState(ConnectionState.LOST);
    log.warn(
        "Consul session {} for {} is lost: {}; its memberships are cancelled",
        inc.id,
        settings.config().basePath(),
        why);
    for (ConsulGroup g : groups.values()) {
      g.watchers().lostAll();
    }
    if (destroy) {
      // Its keys vanish now if the agent can still be reached, rather than when Consul reaps it.
      execute(() -> destroyQuietly(inc.id));
    }
    synchronized (lock) {
      startCreating();
    }
  }

  private void destroyQuietly(String id) {
    try {
      consul.sessionClient().destroySession(id);
      log.debug("Destroyed Consul session {}", id);
    } catch (RuntimeException e) {
      log.debug(
          "Could not destroy Consul session {} ({}); Consul reaps it within {}",
          id,
          e.getMessage(),
          GoDurations.format(settings.sessionTimeout()));
    }
  }

  // ---- closing

  @Override
  public void close() {
    Incarnation inc;
    CompletableFuture<Incarnation> waiting;
    synchronized (lock) {
      if (phase == Phase.CLOSED) {
        return;
      }
      phase = Phase.CLOSED;
      inc = live;
      live = null;
      waiting = next;
    }
    observed.connectionState(ConnectionState.CLOSED);
    renewals.cancel(false);
    deadline.close();
    for (ConsulGroup g : groups.values()) {
      g.stopWatching();
    }
    SessionClosedException cause = closedException();
    waiting.completeExceptionally(cause);
    if (inc != null) {
      // The clean exit: destroying the session deletes its keys at once (behavior=delete).
      try {
        consul.sessionClient().destroySession(inc.id);
        log.info("Consul session {} destroyed; its members are deleted", inc.id);
      } catch (RuntimeException e) {
        log.warn(
            "Could not destroy Consul session {} at {} ({}); its members vanish when Consul reaps it, within {}",
            inc.id,
            settings.agent(),
            e.getMessage(),
            GoDurations.format(settings.sessionTimeout()));
      }
    }
    for (ConsulGroup g : groups.values()) {
      g.close(cause);
    }
    pending.close(cause);
    consul.destroy();
    io.shutdownNow();
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "ConsulSession["
        + name
        + ", "
        + settings.agentUri()
        + ", "
        + settings.config().basePath()
        + ", session="
        + sessionId()
        + "]";
  }
}
