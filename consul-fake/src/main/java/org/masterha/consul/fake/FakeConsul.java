package org.masterha.consul.fake;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A FAKE of Consul's HTTP API, for tests of code that uses Consul where no Consul server can run.
 *
 * <p>It is not Consul: it is a single in-memory "server" that answers Consul's KV, session,
 * transaction, status and agent/self endpoints with Consul's documented semantics, indexes,
 * headers, status codes and error texts, closely enough that a real client library cannot tell. It
 * listens on 127.0.0.1 only (an ephemeral port unless told otherwise) and contacts nothing.
 *
 * <p>And it breaks on demand: {@link #stop()} / {@link #start()} (same port, state kept, as a
 * Consul server restart keeps its Raft state), {@link #restartLosingState()}, {@link #pause()} /
 * {@link #resume()} (a frozen server), {@link #expireSession(String)}, {@link #snapshot()} / {@link
 * #restore(Snapshot)} (the index goes backwards), {@link #reapTombstones()} and {@link
 * #setSessionTtlMin(Duration)}.
 *
 * <pre>{@code
 * try (FakeConsul consul = FakeConsul.builder().sessionTtlMin(Duration.ofSeconds(1)).build().start()) {
 *     Consul client = Consul.builder().withUrl(consul.httpUrl()).build();
 *     ...
 * }
 * }</pre>
 */
public final class FakeConsul implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(FakeConsul.class.getName());
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final int instance = INSTANCES.incrementAndGet();
  private final Settings settings;
  private final FakeClock clock;
  private final StateStore store;
  private final PauseGate gate = new PauseGate();
  private final AclFilter acl;
  private final ApiRouter router;
  private final ExecutorService executor;
  private final SessionReaper reaper;
  private final Runnable reapOnAdvance;

  private final Object lifecycle = new Object();
  private HttpServer server;

  /** The configured port until first bound; then the bound port, reused by every restart. */
  private int port;

  private boolean started;
  private boolean closed;

  private FakeConsul(Builder b) {
    this.settings =
        new Settings(
            b.nodeName,
            b.datacenter,
            b.maxValueSize,
            b.txnMaxReqLen,
            b.blockingJitter,
            b.sessionTtlMin);
    this.clock = b.clock;
    this.store = new StateStore(clock, b.reapMultiplier);
    this.acl = new AclFilter(b.aclToken, b.readTokens);
    this.port = b.port;
    this.router =
        new ApiRouter(
            new KvHandler(store, settings),
            new SessionHandler(store, settings),
            new TxnHandler(store, settings),
            new AgentStatusHandler(settings, acl, this::port),
            acl,
            gate);
    this.executor =
        Executors.newCachedThreadPool(daemonThreads("fake-consul-" + instance + "-http-"));
    this.reaper = new SessionReaper(store, "fake-consul-" + instance + "-session-reaper");
    this.reapOnAdvance = store::reapExpired;
    clock.onAdvance(reapOnAdvance);
    reaper.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---- lifecycle
  // ---------------------------------------------------------------------------------

  /**
   * Starts serving, on the configured port the first time (0: an ephemeral one) and on the same
   * port after a {@link #stop()}. State kept across a stop is served again, with session TTLs
   * restarted and lock-delays forgotten, as after a Consul leader election.
   *
   * @return this, for {@code FakeConsul.builder().build().start()}
   */
  public FakeConsul start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("FakeConsul is closed");
      }
      if (server != null) {
        throw new IllegalStateException("FakeConsul is already running on " + hostAndPort());
      }
      server = bind();
      server.createContext("/", router);
      server.setExecutor(executor);
      server.start();
      port = server.getAddress().getPort();
      store.markRunning();
      LOG.log(
          Level.INFO,
          "FakeConsul (a fake Consul HTTP API, not a real Consul) {0} on {1}{2}",
          started ? "restarted" : "started",
          httpUrl(),
          acl.enabled() ? ", ACL token required" : "");
      started = true;
      return this;
    }
  }

  /**
   * Stops serving, like a crashed or stopped server: the port is closed, requests in flight
   * (blocking queries, paused requests) are dropped without a response. State is kept for the next
   * {@link #start()}. Does nothing if not running.
   */
  public void stop() {
    synchronized (lifecycle) {
      if (server == null) {
        return;
      }
      store.markStopped();
      gate.dropParked();
      server.stop(0);
      server = null;
      LOG.log(Level.INFO, "FakeConsul stopped on port {0,number,#}", port);
    }
  }

  /** {@link #stop()} then {@link #start()} on the same port, keeping all state. */
  public FakeConsul restart() {
    synchronized (lifecycle) {
      stop();
      return start();
    }
  }

  /**
   * Restarts on the same port with empty state, like a server whose data directory was lost: every
   * key and session is gone and the index starts again from the bottom (so it goes backwards).
   */
  public FakeConsul restartLosingState() {
    synchronized (lifecycle) {
      stop();
      store.wipe();
      LOG.log(Level.INFO, "FakeConsul: state wiped");
      return start();
    }
  }

  public boolean isRunning() {
    synchronized (lifecycle) {
      return server != null;
    }
  }

  /** Stops for good and releases the fake's threads. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      stop();
      closed = true;
      clock.removeOnAdvance(reapOnAdvance);
      reaper.close();
      executor.shutdownNow();
    }
  }

  // ---- where it is
  // -------------------------------------------------------------------------------

  /** The bound port (the configured one before the first start). */
  public int port() {
    synchronized (lifecycle) {
      return port;
    }
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
  }

  /** "127.0.0.1:port", for Consul.builder().withHostAndPort(HostAndPort.fromString(...)). */
  public String hostAndPort() {
    return "127.0.0.1:" + port();
  }

  /** "http://127.0.0.1:port", for Consul.builder().withUrl(...) or CONSUL_HTTP_ADDR. */
  public String httpUrl() {
    return "http://" + hostAndPort();
  }

  public URI uri() {
    return URI.create(httpUrl());
  }

  // ---- faults
  // ------------------------------------------------------------------------------------

  /**
   * Freezes request handling: new and in-flight requests hang (connections are accepted, nothing is
   * answered) until {@link #resume()}. Session TTLs keep running, as on a server cut off from its
   * clients, so sessions not renewed in time are invalidated while paused.
   */
  public void pause() {
    gate.pause();
    LOG.log(Level.INFO, "FakeConsul paused: requests will hang");
  }

  public void resume() {
    gate.resume();
    LOG.log(Level.INFO, "FakeConsul resumed");
  }

  public boolean isPaused() {
    return gate.isPaused();
  }

  /**
   * How many blocking queries are waiting for a change right now: lets a test wait until its query
   * is really blocked before making the change it expects to wake it.
   */
  public int blockedQueryCount() {
    return store.blockedQueries();
  }

  /**
   * How many HTTP requests the fake has received since it was built, reads of {@code
   * /v1/agent/metrics} excepted (that endpoint reports the same count as the counter {@code
   * consul.fake.http.requests}, so a benchmark reads it from another process).
   */
  public long requestCount() {
    return router.requestCount();
  }

  /** How many requests are being held by {@link #pause()} right now. */
  public int pausedRequestCount() {
    return gate.parked();
  }

  /**
   * Invalidates a session now, exactly as TTL expiry would: its locks are released or deleted per
   * its Behavior and get its lock-delay. Returns false if there is no such session.
   */
  public boolean expireSession(String sessionId) {
    return store.expireSession(Objects.requireNonNull(sessionId), "expired by fault injection");
  }

  /**
   * Sets the agent's session_ttl_min (Consul's default is 10s). Sessions created afterwards with a
   * shorter TTL are refused; existing ones are unaffected. Shown in agent/self DebugConfig.
   */
  public void setSessionTtlMin(Duration min) {
    settings.setSessionTtlMin(Objects.requireNonNull(min));
  }

  public Duration sessionTtlMin() {
    return Duration.ofNanos(settings.sessionTtlMinNanos());
  }

  /**
   * How long a TTL session may go unrenewed before it is invalidated, as a multiple of its TTL.
   * Consul allows itself up to 2x (the default here); 1.0 makes expiry tests exact.
   */
  public void setSessionReapMultiplier(double multiplier) {
    store.setReapMultiplier(checkMultiplier(multiplier));
  }

  /**
   * A copy of the current state (KV, tombstones, sessions, index), for {@link #restore(Snapshot)}.
   */
  public Snapshot snapshot() {
    return store.snapshot();
  }

  /**
   * Replaces the state with a snapshot, like restoring a Raft snapshot: restoring an older one
   * makes the index go backwards, which Consul's docs tell clients to detect and reset on. Session
   * TTLs restart; lock-delays are forgotten.
   */
  public void restore(Snapshot snapshot) {
    store.restore(Objects.requireNonNull(snapshot));
    LOG.log(Level.INFO, "FakeConsul: state restored to index {0,number,#}", snapshot.raftIndex());
  }

  /**
   * Consul's tombstone GC: forgets deleted keys, so a recursive read's X-Consul-Index can drop to
   * the highest remaining ModifyIndex (another documented way for an index to go backwards).
   */
  public int reapTombstones() {
    return store.reapTombstones();
  }

  /** The last Raft-like index assigned to a write. */
  public long currentIndex() {
    return store.raftIndex();
  }

  @Override
  public String toString() {
    return "FakeConsul["
        + (isRunning() ? httpUrl() : "stopped")
        + (acl.enabled() ? ", ACLs on" : "")
        + "]";
  }

  // ---- internals
  // ---------------------------------------------------------------------------------

  private HttpServer bind() {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    // A restart reuses the port; give the OS a moment if it is still releasing it.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try {
        return HttpServer.create(address, 0);
      } catch (BindException e) {
        if (port == 0 || System.nanoTime() > deadline) {
          throw new UncheckedIOException("FakeConsul cannot bind " + address, e);
        }
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // a retry backoff, not a sync
      } catch (IOException e) {
        throw new UncheckedIOException("FakeConsul cannot bind " + address, e);
      }
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static double checkMultiplier(double m) {
    if (!(m >= 1.0) || Double.isInfinite(m)) {
      throw new IllegalArgumentException(
          "reap multiplier must be at least 1 (Consul never expires early): " + m);
    }
    return m;
  }

  // ---- snapshot and builder
  // ------------------------------------------------------------------------

  /** An opaque copy of the fake's replicated state at some index. */
  public static final class Snapshot {
    private final KvStore kv;
    private final SessionStore sessions;
    private final long raftIndex;

    Snapshot(KvStore kv, SessionStore sessions, long raftIndex) {
      this.kv = kv;
      this.sessions = sessions;
      this.raftIndex = raftIndex;
    }

    KvStore kv() {
      return kv;
    }

    SessionStore sessions() {
      return sessions;
    }

    public long raftIndex() {
      return raftIndex;
    }

    @Override
    public String toString() {
      return "FakeConsul.Snapshot[index="
          + raftIndex
          + ", keys="
          + kv.size()
          + ", sessions="
          + sessions.size()
          + "]";
    }
  }

  /** Configuration; every setting has Consul's default unless noted. */
  public static final class Builder {
    private int port;
    private String aclToken;
    private final java.util.Map<String, String> readTokens = new java.util.LinkedHashMap<>();
    private Duration sessionTtlMin;
    private double reapMultiplier = 2.0;
    private FakeClock clock = FakeClock.system();
    private String nodeName = "fake-consul";
    private String datacenter = "dc1";
    private int maxValueSize = Settings.DEFAULT_MAX_VALUE_SIZE;
    private int txnMaxReqLen = Settings.DEFAULT_TXN_MAX_REQ_LEN;
    private boolean blockingJitter = true;

    private Builder() {}

    /** The port on 127.0.0.1; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Requires this token (X-Consul-Token, Authorization: Bearer or ?token=) on every endpoint but
     * /v1/status/*. Requests without it act as Consul's anonymous token under a deny policy;
     * requests with another token get 403 "ACL not found". Never logged.
     */
    public Builder aclToken(String token) {
      if (token != null && token.isEmpty()) {
        throw new IllegalArgumentException("empty ACL token");
      }
      this.aclToken = token;
      return this;
    }

    /**
     * One more token, whose policy is only {@code key_prefix "<keyPrefix>" { policy = "read" }}: it
     * may read keys starting with the prefix (lists are filtered to them) and nothing else, so
     * session creation and every write are refused with Consul's permission-denied 403. Needs
     * {@link #aclToken}. Never logged.
     */
    public Builder keyPrefixReadToken(String token, String keyPrefix) {
      if (token == null || token.isEmpty()) {
        throw new IllegalArgumentException("empty ACL token");
      }
      this.readTokens.put(token, Objects.requireNonNull(keyPrefix));
      return this;
    }

    /** Consul's session_ttl_min (default 10s): lets tests use short session TTLs. */
    public Builder sessionTtlMin(Duration min) {
      this.sessionTtlMin = Objects.requireNonNull(min);
      return this;
    }

    /** See {@link FakeConsul#setSessionReapMultiplier(double)}; default 2.0 as Consul. */
    public Builder sessionReapMultiplier(double multiplier) {
      this.reapMultiplier = checkMultiplier(multiplier);
      return this;
    }

    /** The clock for session TTLs and lock-delays; real time by default. */
    public Builder clock(FakeClock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public Builder nodeName(String nodeName) {
      this.nodeName = Objects.requireNonNull(nodeName);
      return this;
    }

    public Builder datacenter(String datacenter) {
      this.datacenter = Objects.requireNonNull(datacenter);
      return this;
    }

    /** Consul's kv_max_value_size, 512 KiB by default. */
    public Builder maxValueSize(int bytes) {
      this.maxValueSize = bytes;
      return this;
    }

    /**
     * Consul's txn_max_req_len, 512 KiB by default: the largest /v1/txn request body (JSON, values
     * base64-encoded), or kv_max_value_size if that is larger, as in Consul.
     */
    public Builder txnMaxReqLen(int bytes) {
      this.txnMaxReqLen = bytes;
      return this;
    }

    /**
     * Whether blocking queries add Consul's random extra wait of up to wait/16 (default on). Off
     * makes a timed-out blocking query take exactly its wait.
     */
    public Builder blockingJitter(boolean on) {
      this.blockingJitter = on;
      return this;
    }

    public FakeConsul build() {
      return new FakeConsul(this);
    }
  }

  // ---- by hand
  // -------------------------------------------------------------------------------------

  /**
   * Runs the fake by hand until interrupted: {@code java -cp ...
   * org.masterha.consul.fake.FakeConsul --port 8500 [--acl-token T] [--session-ttl-min 1s]
   * [--reap-multiplier 1] [--node NAME] [--datacenter DC]}.
   */
  public static void main(String[] args) throws InterruptedException {
    FakeConsul fake;
    try {
      fake = fromArgs(args).build();
    } catch (IllegalArgumentException e) {
      System.err.println("FakeConsul: " + e.getMessage());
      System.err.println(
          "usage: FakeConsul [--port N] [--acl-token TOKEN] [--session-ttl-min DURATION]"
              + " [--reap-multiplier X] [--node NAME] [--datacenter DC]");
      System.exit(2);
      return;
    }
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  fake.close();
                  done.countDown();
                },
                "fake-consul-shutdown"));
    fake.start();
    System.out.println(
        "FakeConsul (a fake of Consul's HTTP API, not a real Consul) listening on "
            + fake.httpUrl());
    System.out.flush();
    done.await();
  }

  /** Parses the command line of {@link #main(String[])}. */
  static Builder fromArgs(String[] args) {
    Builder b = builder();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + flag);
      }
      String value = args[++i];
      switch (flag) {
        case "--port" -> b.port(Integer.parseInt(value));
        case "--acl-token" -> b.aclToken(value);
        case "--session-ttl-min" -> b.sessionTtlMin(GoDuration.parse(value));
        case "--reap-multiplier" -> b.sessionReapMultiplier(Double.parseDouble(value));
        case "--node" -> b.nodeName(value);
        case "--datacenter" -> b.datacenter(value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    return b;
  }
}
