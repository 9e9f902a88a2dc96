package org.masterha.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.spi.Backoff;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.Retrier;
import org.masterha.ha.spi.SessionEvents;
import org.masterha.ha.state.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One jetcd client and one lease. The groups made from it share the lease, so when the lease is
 * lost every membership made through this session is lost together.
 *
 * <p>Everything that changes state (lease transitions, group views, our memberships) runs on one
 * event thread, in order, as the watches and answers arrive; futures handed to callers complete on
 * that thread, so callers must not block in their callbacks.
 */
final class EtcdSession implements HaSession {
  private static final Logger log = LoggerFactory.getLogger(EtcdSession.class);

  /**
   * Between attempts of a request or of a broken watch: etcd's leader elections take about a
   * second.
   */
  static final Backoff BACKOFF = Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1));

  private final HaConfig config;
  private final EtcdSettings settings;
  private final Client client;
  private final ScheduledThreadPoolExecutor events;
  private final Retrier retrier;
  private final LeaseKeeper keeper;
  private final Map<String, EtcdGroup> groups = new ConcurrentHashMap<>();
  private final AtomicLong nonces = new AtomicLong();
  private final Object authLock = new Object();
  private CompletableFuture<Void> authenticated;
  private volatile boolean closed;
  private final SessionEvents observed;

  EtcdSession(HaConfig config, EtcdSettings settings) {
    this.config = config;
    this.settings = settings;
    this.client = EtcdClients.build(settings);
    this.events =
        new ScheduledThreadPoolExecutor(
            1, DaemonThreads.named("masterha-etcd-events " + settings.basePath()));
    events.setRemoveOnCancelPolicy(true);
    this.retrier =
        new Retrier(events, EtcdErrors::retryClass, BACKOFF, () -> closed, this::closedException);
    this.observed =
        new SessionEvents(config.observer().session(EtcdBackend.NAME, settings.basePath()));
    observed.connectionState(ConnectionState.CONNECTING);
    this.keeper =
        new LeaseKeeper(
            client.getLeaseClient(),
            settings,
            events,
            this::onEvents,
            retrier,
            this::leaseLost,
            this::ready,
            observed);
  }

  @Override
  public String backend() {
    return EtcdBackend.NAME;
  }

  @Override
  public HaConfig config() {
    return config;
  }

  @Override
  public Group group(String relativePath) {
    if (closed) {
      throw closedException();
    }
    String path = GroupPaths.resolve(settings.basePath(), relativePath);
    return groups.computeIfAbsent(
        path,
        p -> {
          EtcdGroup g = new EtcdGroup(this, p);
          g.start();
          return g;
        });
  }

  /**
   * The state under {@code <base>/state/}; with a fence, every write is a transaction that also
   * requires the candidacy's member key to exist with its create revision.
   */
  @Override
  public State state(Optional<Candidacy> fence) {
    if (closed) {
      throw closedException();
    }
    return new EtcdState(this, fence);
  }

  /**
   * The lease id in hex, as {@code etcdctl lease list} prints it; empty before the first lease was
   * granted.
   */
  @Override
  public String sessionId() {
    return keeper.sessionId();
  }

  @Override
  public SessionEvents sessionEvents() {
    return observed;
  }

  Client client() {
    return client;
  }

  EtcdSettings settings() {
    return settings;
  }

  Retrier retrier() {
    return retrier;
  }

  LeaseKeeper keeper() {
    return keeper;
  }

  /**
   * Completes once the client holds an auth token; at once without credentials. jetcd fetches a
   * token for every call that starts while it has none, and each fetch costs the server a bcrypt
   * check: a session that starts its lease, listing and watch together would make the server check
   * the password several times over, and a herd of sessions starting at once could starve it of CPU
   * for seconds. So the first call goes alone.
   */
  CompletableFuture<Void> ready() {
    if (settings.credentials().isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    synchronized (authLock) {
      if (authenticated == null || authenticated.isCompletedExceptionally()) {
        // A key under "<base>/", where the user has access (the documented grant is the prefix
        // "<base>/", which
        // does not cover the key "<base>" itself).
        ByteSequence key = ByteSequence.from(settings.basePath() + "/", StandardCharsets.UTF_8);
        GetOption countOnly = GetOption.builder().withCountOnly(true).build();
        authenticated =
            retrier
                .retry("authenticating with etcd", a -> client.getKVClient().get(key, countOnly))
                .thenApply(r -> (Void) null);
      }
      return authenticated;
    }
  }

  long nextNonce() {
    return nonces.incrementAndGet();
  }

  boolean isClosed() {
    return closed;
  }

  SessionClosedException closedException() {
    return new SessionClosedException(
        "etcd session "
            + (sessionId().isEmpty() ? "" : "(lease " + sessionId() + ") ")
            + "on "
            + settings.basePath()
            + " is closed");
  }

  /** Runs {@code task} on the event thread; dropped once the session is closed. */
  void onEvents(Runnable task) {
    try {
      events.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.error("etcd session on {}: an event handler failed", settings.basePath(), e);
            }
          });
    } catch (RejectedExecutionException e) {
      log.debug("etcd session on {} is closed; dropping an event", settings.basePath());
    }
  }

  /**
   * Runs {@code task} on the event thread after {@code delayMs}; dropped once the session is
   * closed.
   */
  void schedule(Runnable task, long delayMs) {
    try {
      events.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("etcd session on {} is closed; dropping a timer", settings.basePath());
    }
  }

  /** Computes {@code task} on the event thread. */
  <T> CompletableFuture<T> callOnEvents(Supplier<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      events.execute(
          () -> {
            try {
              f.complete(task.get());
            } catch (RuntimeException e) {
              f.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  private void leaseLost(long leaseId, String why) {
    groups.values().forEach(EtcdGroup::leaseLost);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    SessionClosedException cause = closedException();
    long leaseId = keeper.close();
    if (leaseId != LeaseKeeper.NONE) {
      // The clean exit: our keys go now, not when the TTL runs out, so a withdrawn leader is
      // replaced at once.
      Duration wait =
          settings.sessionTimeout().compareTo(Duration.ofSeconds(5)) < 0
              ? settings.sessionTimeout()
              : Duration.ofSeconds(5);
      try {
        client.getLeaseClient().revoke(leaseId).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        log.info(
            "etcd lease {} revoked: session on {} closed",
            Long.toHexString(leaseId),
            settings.basePath());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn(
            "etcd session on {} closed without revoking lease {} ({}); its keys go when its TTL of {}s runs out",
            settings.basePath(),
            Long.toHexString(leaseId),
            EtcdErrors.describe(e),
            settings.ttlSeconds());
      }
    }
    groups.values().forEach(g -> g.close(cause));
    events.shutdown();
    client.close();
  }

  @Override
  public String toString() {
    return "EtcdSession["
        + settings.endpoints()
        + settings.basePath()
        + ", lease="
        + (sessionId().isEmpty() ? "none" : sessionId())
        + (closed ? ", closed" : "")
        + "]";
  }
}
