package org.masterha.zookeeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.masterha.ha.Durations;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.LivenessDeadline;
import org.masterha.ha.spi.PendingOperations;
import org.masterha.ha.spi.SessionEvents;
import org.masterha.ha.state.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ZooKeeper session (one {@link CuratorFramework}) and the groups made on it.
 *
 * <p>States: {@code CONNECTING} until the first session is granted; {@code CONNECTED}; {@code
 * SUSPENDED} while the connection is down and the session may still be alive on the servers; {@code
 * EXPIRED} after the servers said it expired, until Curator has a new session ({@code CONNECTED}
 * again, with a new id); {@code FAILED} when the servers can never accept it (authentication
 * required, session timeout they cannot honour); {@code CLOSED}. Every transition, every request
 * callback and every watch runs on one event thread, so the state needs no locks and ZooKeeper's
 * per-session FIFO order is kept end to end.
 *
 * <p>Safety (docs/contract.md, rule 2): our members must count as lost before the servers could
 * expire the session and let another master lead. ZooKeeper does not tell a client when the server
 * last heard from it, and the client only declares a disconnection after two thirds of the session
 * timeout of silence, or at once on a reset, so the time of SUSPENDED says little about the
 * session's real deadline. Instead the session sends its own small request (an {@code exists} on
 * {@code /}) every sixth of the negotiated timeout while it holds members (or joins one), taking
 * the place of ZooKeeper's idle pings (a session that only detects leaves them to the client), and
 * remembers the send time of the latest request the server answered: the server restarted its
 * expiry timer when it received that request, which was after we sent it, so {@code
 * lastAnsweredSend + timeout} is never later than the server's expiry. A {@link LivenessDeadline}
 * armed with that time completes every owned membership with {@code cancelled(false)} when it
 * passes, whether or not the client has noticed a disconnection yet. Members lost that way may
 * still exist (the servers renew every session when they restart or elect a new leader): they are
 * hidden from our listings and deleted as soon as we are connected again, by the same session or by
 * the one Curator opened after giving it up, so a member we declared lost never goes on leading.
 */
public final class ZooKeeperSession implements HaSession {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperSession.class);

  /** Heartbeats per negotiated session timeout; each answered one moves the deadline. */
  private static final int HEARTBEATS_PER_TIMEOUT = 6;

  /** Outstanding heartbeats beyond this mean the connection is stuck; more would only queue. */
  private static final int MAX_HEARTBEATS_IN_FLIGHT = 3;

  /**
   * How long a TLS session may go without a connection before it probes the servers' TLS itself:
   * ZooKeeper's client retries a refused handshake forever and tells no one.
   */
  private static final Duration TLS_CHECK_DELAY = Duration.ofSeconds(1);

  enum SessionState {
    CONNECTING,
    CONNECTED,
    SUSPENDED,
    EXPIRED,
    FAILED,
    CLOSED
  }

  /** A request that can be issued again after a connection loss. Runs on the event thread only. */
  interface Attempt {
    /** Issues the request; the session is connected. */
    void run();

    /** The session is closed or failed for good. */
    void abort(RuntimeException cause);
  }

  private final ZooKeeperSettings settings;
  private final Optional<ZooKeeperTls> tls;
  private final CuratorFramework client;
  private final ScheduledExecutorService events;

  /**
   * The event thread as Curator and ZooKeeper see it: once the session is closed, late callbacks
   * are dropped.
   */
  private final java.util.concurrent.Executor callbacks;

  private final Map<String, ZooKeeperGroup> groups = new ConcurrentHashMap<>();
  private final PendingOperations pending = new PendingOperations();
  private final SessionEvents observed;
  private final Object closeLock = new Object();
  private volatile boolean closing;
  private volatile Thread eventThread;
  private volatile String sessionIdText = "";
  private volatile SessionState observableState = SessionState.CONNECTING;
  private volatile SessionHandle handle = new SessionHandle(0, new byte[0]);
  private volatile Duration negotiatedTimeout;
  private volatile int reconnections;

  // Event-thread-only state.
  private SessionState state = SessionState.CONNECTING;
  private RuntimeException failure;
  private long sessionId;

  /** The current session's id, for threads other than the event thread ({@link #trusts}). */
  private volatile long currentSessionId;

  /**
   * Replaced only on the event thread (a new negotiated timeout); read by {@link #trusts} from any
   * thread.
   */
  private volatile LivenessDeadline deadline;

  private long lastAnsweredSendNanos = Long.MIN_VALUE;
  private ScheduledFuture<?> heartbeat;
  private int heartbeatsInFlight;
  private boolean tlsCheckPending;
  private final List<Attempt> waiting = new ArrayList<>();

  private ZooKeeperSession(ZooKeeperSettings settings) {
    this.settings = settings;
    this.tls = settings.tls().map(ZooKeeperTls::of);
    ThreadFactory eventThreads = DaemonThreads.named("masterha-zk-events" + settings.basePath());
    this.events =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = eventThreads.newThread(r);
              eventThread = t;
              return t;
            });
    this.callbacks =
        task -> {
          try {
            events.execute(task);
          } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Dropping a ZooKeeper callback for closed session {}", sessionIdText);
          }
        };
    this.negotiatedTimeout = settings.sessionTimeout();
    this.observed =
        new SessionEvents(
            settings.config().observer().session(ZooKeeperBackend.NAME, settings.basePath()));
    observed.connectionState(org.masterha.ha.observe.ConnectionState.CONNECTING);
    this.deadline = new LivenessDeadline(negotiatedTimeout, events, this::onDeadline, observed);
    CuratorFrameworkFactory.Builder builder =
        CuratorFrameworkFactory.builder()
            .connectString(settings.connectString())
            .sessionTimeoutMs(Math.toIntExact(settings.sessionTimeout().toMillis()))
            // Only bounds how long Curator holds a request while disconnected before handing it
            // back to us (we
            // hold requests ourselves until the session is connected); Curator wants it no longer
            // than the session.
            .connectionTimeoutMs(Math.toIntExact(settings.sessionTimeout().toMillis()))
            // Requests are retried here, where a create whose response was lost can be told apart
            // from one that
            // never happened; Curator retrying it would add a second member.
            .retryPolicy(NoRetry.INSTANCE)
            // Mesos paths are absolute and the URL's host list is the user's choice: no namespace,
            // no rewriting
            // of the connection string from the ensemble's config.
            .ensembleTracker(false)
            // Curator also declares the session LOST after a whole timeout SUSPENDED (it cannot be
            // turned off), and
            // then opens a new one even if the servers kept the old one alive (they renew every
            // session when they
            // restart): the groups delete what the old session left behind once the new one is
            // connected.
            // Mesos creates its base path with empty data, not Curator's default of the local
            // address.
            .defaultData(new byte[0])
            .aclProvider(new FixedAcl(settings.acl()))
            .threadFactory(DaemonThreads.named("masterha-zk-curator" + settings.basePath()));
    settings.auth().ifPresent(a -> builder.authorization(List.of(a)));
    // Per session, never JVM-wide system properties: two sessions in one JVM may differ.
    tls.ifPresent(t -> builder.zkClientConfig(t.clientConfig()));
    this.client = builder.build();
    client
        .getConnectionStateListenable()
        .addListener((c, newState) -> onConnectionState(newState), callbacks);
    client.getCuratorListenable().addListener((c, event) -> onClientEvent(event), callbacks);
  }

  static ZooKeeperSession open(ZooKeeperSettings settings) {
    ZooKeeperSession session = new ZooKeeperSession(settings);
    session.client.start();
    if (session.tls.isPresent()) {
      session.events.execute(session::scheduleTlsCheck);
    }
    log.info(
        "Opened ZooKeeper session for {} on {} (session timeout {}{})",
        settings.basePath(),
        settings.connectString(),
        Durations.format(settings.sessionTimeout()),
        session.tls.isPresent() ? ", TLS" : "");
    return session;
  }

  @Override
  public String backend() {
    return ZooKeeperBackend.NAME;
  }

  @Override
  public HaConfig config() {
    return settings.config();
  }

  @Override
  public Group group(String relativePath) {
    if (closing) {
      throw new SessionClosedException(
          "ZooKeeper session " + sessionId() + " on " + settings.basePath() + " is closed");
    }
    String path = GroupPaths.resolve(settings.basePath(), relativePath);
    try {
      return groups.computeIfAbsent(
          path,
          p -> {
            ZooKeeperGroup g = new ZooKeeperGroup(this, p);
            events.execute(g::start);
            return g;
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw closedException(); // closed while we were here
    }
  }

  /**
   * The state under {@code <base>/state} ({@link ZooKeeperState}); with a fence, every write is a
   * multi that also checks the candidacy's member znode still exists.
   */
  @Override
  public State state(Optional<Candidacy> fence) {
    if (closing) {
      throw closedException();
    }
    return new ZooKeeperState(this, fence);
  }

  @Override
  public String sessionId() {
    return sessionIdText;
  }

  @Override
  public SessionEvents sessionEvents() {
    return observed;
  }

  /** The state as last seen by the event thread; for logs and tests. */
  SessionState sessionState() {
    return observableState;
  }

  // ---- used by groups (event thread unless noted) ----

  CuratorFramework client() {
    return client;
  }

  /** Callbacks and watches hop onto this executor; it is the session's event thread. */
  java.util.concurrent.Executor events() {
    return callbacks;
  }

  ZooKeeperSettings settings() {
    return settings;
  }

  long currentSessionId() {
    return sessionId;
  }

  boolean isExpired() {
    return state == SessionState.EXPIRED;
  }

  /**
   * Whether members held by session {@code sid} can still be trusted, at the moment of the call and
   * from any thread: {@code sid} is the session we are on, it has not expired or failed, and its
   * liveness deadline has not passed on the monotonic clock (which a process resuming from a long
   * pause sees at once, before the event thread has run the deadline's timer).
   */
  boolean trusts(long sid) {
    SessionState s = observableState;
    return sid != 0
        && sid == currentSessionId
        && (s == SessionState.CONNECTED || s == SessionState.SUSPENDED)
        && !deadline.passed();
  }

  /**
   * A caller's future that closing the session fails if it is still open; failed at once if
   * closing. Any thread.
   */
  <T> CompletableFuture<T> track() {
    CompletableFuture<T> f = pending.track();
    if (closing) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  /**
   * Runs {@code attempt} on the event thread now if connected, else as soon as the session is. Any
   * thread.
   */
  void submit(Attempt attempt) {
    executeOrFail(() -> retry(attempt), attempt);
  }

  /** {@link #submit} from the event thread. */
  void retry(Attempt attempt) {
    if (failure != null) {
      attempt.abort(failure);
    } else if (state == SessionState.CONNECTED) {
      try {
        attempt.run();
      } catch (RuntimeException e) {
        attempt.abort(e);
      }
    } else {
      waiting.add(attempt);
    }
  }

  private void executeOrFail(Runnable task, Attempt attempt) {
    try {
      events.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      attempt.abort(closedException());
    }
  }

  /**
   * The server answered a request sent at {@code sentAtNanos} in session {@code sid}: it was alive
   * then.
   */
  void confirm(long sid, long sentAtNanos) {
    if (sid != sessionId || state == SessionState.EXPIRED || failure != null) {
      return;
    }
    if (sentAtNanos > lastAnsweredSendNanos) {
      lastAnsweredSendNanos = sentAtNanos;
      deadline.arm(sentAtNanos);
    }
  }

  /** A request found the session unusable for good (authentication enforced by the servers). */
  void failSession(RuntimeException cause) {
    fail(cause);
  }

  // ---- connection state machine (event thread) ----

  private void onConnectionState(ConnectionState newState) {
    if (failure != null) {
      return;
    }
    switch (newState) {
      case CONNECTED, RECONNECTED, READ_ONLY -> onConnected();
      case SUSPENDED -> onSuspended();
      case LOST -> onExpired();
      default -> {}
    }
  }

  private void onClientEvent(CuratorEvent event) {
    if (event.getType() == CuratorEventType.WATCHED
        && event.getWatchedEvent() != null
        && event.getWatchedEvent().getState() == Watcher.Event.KeeperState.AuthFailed
        && failure == null) {
      fail(KeeperCodes.authenticationRequired(settings.user()));
    }
  }

  private void onConnected() {
    ZooKeeper zk;
    try {
      zk = client.getZookeeperClient().getZooKeeper();
    } catch (Exception e) {
      log.debug("No ZooKeeper handle after a connection event: {}", e.toString());
      return;
    }
    if (zk == null || !zk.getState().isConnected()) {
      // A stale event: the connection dropped again before we got here, and a later event will say
      // so.
      return;
    }
    long id = zk.getSessionId();
    long requestedMs = settings.sessionTimeout().toMillis();
    int negotiatedMs = zk.getSessionTimeout();
    if (negotiatedMs > requestedMs) {
      fail(
          new HaConfigException(
              "session timeout "
                  + Durations.format(settings.sessionTimeout())
                  + " is below what the ZooKeeper servers allow: they granted "
                  + Durations.format(Duration.ofMillis(negotiatedMs))
                  + " (their minSessionTimeout, 2 x tickTime by default), so a crashed leader would keep leading longer than asked;"
                  + " accepted: at least "
                  + Durations.format(Duration.ofMillis(negotiatedMs))
                  + ", or lower the servers' minSessionTimeout"));
      return;
    }
    if (sessionId != 0 && id != sessionId && state != SessionState.EXPIRED) {
      // Curator reconnected with a new session without our having seen the expiry: it expired all
      // the same.
      onExpired();
    }
    boolean newSession = id != sessionId;
    if (newSession) {
      sessionId = id;
      currentSessionId = id;
      handle = new SessionHandle(id, zk.getSessionPasswd());
      sessionIdText = "0x" + Long.toHexString(id);
      lastAnsweredSendNanos = Long.MIN_VALUE;
      Duration negotiated = Duration.ofMillis(negotiatedMs);
      if (!negotiated.equals(negotiatedTimeout)) {
        deadline.close();
        negotiatedTimeout = negotiated;
        deadline = new LivenessDeadline(negotiated, events, this::onDeadline, observed);
      }
      if (negotiatedMs < requestedMs) {
        log.warn(
            "ZooKeeper granted session {} a timeout of {}, less than the {} asked for (the servers' maxSessionTimeout);"
                + " using {}",
            sessionIdText,
            Durations.format(negotiated),
            Durations.format(settings.sessionTimeout()),
            Durations.format(negotiated));
      }
      log.info(
          "ZooKeeper session {} established for {} (timeout {})",
          sessionIdText,
          settings.basePath(),
          Durations.format(negotiated));
    } else {
      reconnections++;
      log.info("ZooKeeper session {} reconnected", sessionIdText);
    }
    setState(SessionState.CONNECTED);
    startHeartbeats();
    for (ZooKeeperGroup g : groups.values()) {
      g.onConnected();
    }
    List<Attempt> ready = new ArrayList<>(waiting);
    waiting.clear();
    ready.forEach(this::retry);
  }

  private void onSuspended() {
    if (state == SessionState.CONNECTED) {
      setState(SessionState.SUSPENDED);
      long sinceAnswer =
          lastAnsweredSendNanos == Long.MIN_VALUE
              ? -1
              : (System.nanoTime() - lastAnsweredSendNanos) / 1_000_000;
      log.info(
          "ZooKeeper session {} lost its connection (last answered request sent {} ms ago); its members count as lost {} after that unless it reconnects",
          sessionIdText,
          sinceAnswer,
          Durations.format(negotiatedTimeout));
    }
    stopHeartbeats();
    scheduleTlsCheck();
  }

  private void onExpired() {
    if (failure != null || sessionId == 0 || state == SessionState.EXPIRED) {
      return;
    }
    setState(SessionState.EXPIRED);
    stopHeartbeats();
    scheduleTlsCheck();
    deadline.disarm();
    int lost = 0;
    for (ZooKeeperGroup g : groups.values()) {
      lost += g.onSessionExpired(sessionId);
    }
    log.warn(
        "ZooKeeper session {} expired; {} membership(s) lost; a new session will be opened",
        sessionIdText,
        lost);
  }

  private void onDeadline() {
    if (failure != null || state == SessionState.EXPIRED) {
      return;
    }
    int lost = 0;
    for (ZooKeeperGroup g : groups.values()) {
      lost += g.onDeadlinePassed(sessionId);
    }
    if (lost > 0) {
      log.warn(
          "ZooKeeper session {} had no answer from the servers for its whole {} timeout; {} membership(s) count as lost"
              + " and are deleted if the session reconnects",
          sessionIdText,
          Durations.format(negotiatedTimeout),
          lost);
    }
  }

  // ---- TLS check (event thread) ----

  /**
   * If the session is not connected a little later, probes the servers' TLS off the event thread; a
   * handshake every reachable server refuses fails the session with the reason.
   */
  private void scheduleTlsCheck() {
    if (tls.isEmpty() || tlsCheckPending || failure != null) {
      return;
    }
    tlsCheckPending = true;
    try {
      events.schedule(this::checkTls, TLS_CHECK_DELAY.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      tlsCheckPending = false; // closed
    }
  }

  private void checkTls() {
    if (failure != null || state == SessionState.CONNECTED) {
      tlsCheckPending = false;
      return;
    }
    DaemonThreads.named("masterha-zk-tls-probe" + settings.basePath())
        .newThread(
            () -> {
              Optional<String> refusal = tls.get().probe(settings.servers());
              callbacks.execute(() -> onTlsChecked(refusal));
            })
        .start();
  }

  private void onTlsChecked(Optional<String> refusal) {
    tlsCheckPending = false;
    if (failure != null || state == SessionState.CONNECTED) {
      return;
    }
    if (refusal.isPresent()) {
      fail(new HaException(refusal.get()));
    } else {
      // Unreachable or accepted (a connection is on its way): look again a timeout later.
      tlsCheckPending = true;
      try {
        events.schedule(this::checkTls, negotiatedTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        tlsCheckPending = false;
      }
    }
  }

  private void setState(SessionState s) {
    state = s;
    observableState = s;
    observed.connectionState(
        switch (s) {
          case CONNECTING -> org.masterha.ha.observe.ConnectionState.CONNECTING;
          case CONNECTED -> org.masterha.ha.observe.ConnectionState.CONNECTED;
          case SUSPENDED -> org.masterha.ha.observe.ConnectionState.SUSPENDED;
          case EXPIRED -> org.masterha.ha.observe.ConnectionState.LOST;
          case FAILED -> org.masterha.ha.observe.ConnectionState.FAILED;
          case CLOSED -> org.masterha.ha.observe.ConnectionState.CLOSED;
        });
  }

  // ---- heartbeats (event thread) ----

  private void startHeartbeats() {
    stopHeartbeats();
    heartbeatsInFlight = 0;
    long period =
        Math.max(
            negotiatedTimeout.toNanos() / HEARTBEATS_PER_TIMEOUT,
            TimeUnit.MILLISECONDS.toNanos(20));
    heartbeat = events.scheduleAtFixedRate(this::sendHeartbeat, 0, period, TimeUnit.NANOSECONDS);
  }

  private void stopHeartbeats() {
    if (heartbeat != null) {
      heartbeat.cancel(false);
      heartbeat = null;
    }
  }

  private void sendHeartbeat() {
    if (state != SessionState.CONNECTED || heartbeatsInFlight >= MAX_HEARTBEATS_IN_FLIGHT) {
      return;
    }
    if (!holdsMembers()) {
      // Nothing of ours to lose: the deadline guards no member, and the client's own pings keep
      // the session alive. A session that only detects sends no request of its own.
      return;
    }
    long sid = sessionId;
    long sentAt = System.nanoTime();
    heartbeatsInFlight++;
    try {
      client
          .checkExists()
          .inBackground(
              (c, event) -> {
                heartbeatsInFlight = Math.max(0, heartbeatsInFlight - 1);
                if (KeeperCodes.isAnswer(event.getResultCode())) {
                  confirm(sid, sentAt);
                } else if (KeeperCodes.failsSession(event.getResultCode())) {
                  fail(KeeperCodes.authenticationRequired(settings.user()));
                } else {
                  observed.renewalFailed();
                }
              },
              callbacks)
          .forPath("/");
    } catch (Exception e) {
      heartbeatsInFlight--;
      log.debug("Could not send a heartbeat on session {}: {}", sessionIdText, e.toString());
    }
  }

  private boolean holdsMembers() {
    for (ZooKeeperGroup g : groups.values()) {
      if (g.holdsMembers()) {
        return true;
      }
    }
    return false;
  }

  // ---- failure and close ----

  private void fail(RuntimeException cause) {
    if (failure != null) {
      return;
    }
    failure = cause;
    setState(SessionState.FAILED);
    log.error("ZooKeeper session for {} failed: {}", settings.basePath(), cause.getMessage());
    stopHeartbeats();
    deadline.close();
    for (ZooKeeperGroup g : groups.values()) {
      g.onFailed(cause);
    }
    abortAll(cause);
    // Deletes whatever we still hold and stops Curator reconnecting a session that cannot work. Not
    // on this
    // thread: closing waits for ZooKeeper's threads, which may be waiting to hand us an event.
    DaemonThreads.named("masterha-zk-close" + settings.basePath()).newThread(client::close).start();
  }

  private void abortAll(RuntimeException cause) {
    List<Attempt> aborted = new ArrayList<>(waiting);
    waiting.clear();
    aborted.forEach(a -> a.abort(cause));
    pending.failAll(cause);
  }

  private SessionClosedException closedException() {
    return new SessionClosedException(
        "ZooKeeper session " + sessionIdText + " on " + settings.basePath() + " is closed");
  }

  /**
   * The clean exit: closing the ZooKeeper session makes the servers delete its ephemeral members at
   * once (if the connection is down, they go when the session expires). Our memberships complete
   * {@code cancelled(true)}; requests still waiting fail with {@link SessionClosedException}.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closing) {
        return;
      }
      closing = true;
    }
    SessionClosedException cause = closedException();
    onEventThread(
        () -> {
          boolean failed = failure != null;
          if (!failed) {
            failure = cause;
          }
          setState(SessionState.CLOSED);
          stopHeartbeats();
          deadline.close();
          List<Attempt> aborted = new ArrayList<>(waiting);
          waiting.clear();
          aborted.forEach(a -> a.abort(cause));
        });
    try {
      client.close();
    } catch (RuntimeException e) {
      log.warn("Closing the ZooKeeper client for {} failed: {}", settings.basePath(), e.toString());
    }
    onEventThread(
        () -> {
          for (ZooKeeperGroup g : groups.values()) {
            g.onClosed(cause);
          }
          pending.close(cause);
        });
    events.shutdownNow();
    tls.ifPresent(ZooKeeperTls::close);
    log.info("Closed ZooKeeper session {} for {}", sessionIdText, settings.basePath());
  }

  /**
   * Runs {@code task} on the event thread and waits for it; inline when called from that thread.
   */
  private void onEventThread(Runnable task) {
    if (Thread.currentThread() == eventThread) {
      task.run();
      return;
    }
    CountDownLatch done = new CountDownLatch(1);
    try {
      events.execute(
          () -> {
            try {
              task.run();
            } finally {
              done.countDown();
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return;
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- for the test fixture: server-side expiry needs the session's id and password ----

  /**
   * The current session's id and password, for a test to expire the session from a second handle.
   */
  SessionHandle handleForFaultInjection() {
    return handle;
  }

  /** A session's id and password; the password is a secret of the session and is never printed. */
  record SessionHandle(long id, byte[] password) {
    @Override
    public String toString() {
      return "SessionHandle[0x" + Long.toHexString(id) + "]";
    }
  }

  /** The TLS client config ZooKeeper's client is given, if the session speaks TLS; for tests. */
  Optional<org.apache.zookeeper.client.ZKClientConfig> tlsClientConfigForTests() {
    return tls.map(ZooKeeperTls::clientConfig);
  }

  /** How often the same session came back after losing its connection; for tests. */
  int reconnections() {
    return reconnections;
  }

  /** The session timeout the servers granted (the requested one until connected). */
  Duration negotiatedTimeout() {
    return negotiatedTimeout;
  }

  @Override
  public String toString() {
    return "ZooKeeperSession["
        + (sessionIdText.isEmpty() ? "no session yet" : sessionIdText)
        + ", "
        + settings.basePath()
        + " on "
        + settings.connectString()
        + ", "
        + observableState
        + "]";
  }

  /** Curator must never retry on its own: see the builder. */
  private enum NoRetry implements RetryPolicy {
    INSTANCE;

    @Override
    public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
      return false;
    }

    @Override
    public boolean allowRetry(Throwable exception) {
      return false;
    }
  }

  /** The same ACL for every node we create, parents included. */
  private record FixedAcl(List<ACL> acl) implements ACLProvider {
    @Override
    public List<ACL> getDefaultAcl() {
      return acl;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
      return acl;
    }
  }

  static HaException unexpected(String what, Throwable e) {
    return new HaException("ZooKeeper request to " + what + " could not be issued: " + e, e);
  }
}
