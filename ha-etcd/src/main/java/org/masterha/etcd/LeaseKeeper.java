package org.masterha.etcd;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.masterha.ha.Durations;
import org.masterha.ha.error.HaException;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.spi.ErrorClassifier;
import org.masterha.ha.spi.LivenessDeadline;
import org.masterha.ha.spi.Retrier;
import org.masterha.ha.spi.SessionEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's one lease: granted when the first member needs it, kept alive by us, and given up
 * the moment we can no longer be sure the store still holds it.
 *
 * <p>States ({@link LeaseState}): no lease, granting, live, closed. A live lease is renewed with
 * one {@code LeaseKeepAlive} request every sixth of the session timeout, sooner after a failure,
 * and the next request does not wait for an answer that is not coming. jetcd's streaming keepalive
 * is not used: it can end without telling its observer. Each renewal the store confirms arms the
 * {@link LivenessDeadline} with the time the request was <em>sent</em>: the store restarts the
 * lease's TTL when it receives the request, later than that, so {@code sent + session timeout} is
 * never after the store's own expiry (the TTL is the timeout rounded up to whole seconds). When the
 * deadline passes, or the store answers that the lease is gone, the lease is lost: the listener
 * hears of it (every member bound to it is lost), we stop renewing it and revoke it as soon as the
 * store can be reached, so its keys do not outlive our belief in them. The next join grants a new
 * lease.
 *
 * <p>All state changes run on the session's event thread.
 */
final class LeaseKeeper {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  /** etcd never grants lease 0: it means "no lease". */
  static final long NONE = 0;

  private static final long RETRY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * NONE: no lease (none yet, or the last one lost); GRANTING: a grant under way; LIVE: renewed;
   * CLOSED: for good.
   */
  enum LeaseState {
    NONE,
    GRANTING,
    LIVE,
    CLOSED
  }

  /** Called on the event thread with the id of the lease that was lost and why. */
  interface Listener {
    void leaseLost(long leaseId, String why);
  }

  private final Lease leases;
  private final EtcdSettings settings;
  private final ScheduledExecutorService events;
  private final Retrier retrier;
  private final Listener listener;
  private final Supplier<CompletableFuture<Void>> ready;
  private final Consumer<Runnable> onEvents;
  private final LivenessDeadline deadline;
  private final LongSupplier clock;
  private final long intervalNanos;

  // Guarded by this.
  private LeaseState state = LeaseState.NONE;

  /** The lease being granted (GRANTING) or the live one (LIVE); null otherwise. */
  private CompletableFuture<Long> current;

  private long liveId = NONE;
  private long lastConfirmedSentAt;
  private ScheduledFuture<?> tick;
  private long latestSentAt;
  private boolean latestAnswered = true;
  private int failuresInARow;
  private volatile long lastGranted = NONE;
  private final SessionEvents observed;

  LeaseKeeper(
      Lease leases,
      EtcdSettings settings,
      ScheduledExecutorService events,
      Consumer<Runnable> onEvents,
      Retrier retrier,
      Listener listener,
      Supplier<CompletableFuture<Void>> ready,
      SessionEvents observed) {
    this.leases = leases;
    this.settings = settings;
    this.events = events;
    this.onEvents = onEvents;
    this.retrier = retrier;
    this.listener = listener;
    this.ready = ready;
    this.observed = observed;
    this.clock = System::nanoTime;
    // Six renewals per timeout: after an outage starts, at least five sixths of the timeout (less
    // the deadline's
    // margin) remain for the store to answer again, e.g. a raft election after its leader died.
    this.intervalNanos =
        Math.max(TimeUnit.MILLISECONDS.toNanos(100), settings.sessionTimeout().toNanos() / 6);
    this.deadline =
        new LivenessDeadline(
            settings.sessionTimeout(), events, this::deadlinePassed, clock, observed);
  }

  /** The live lease, granting one if there is none. */
  CompletableFuture<Long> lease() {
    CompletableFuture<Long> f;
    synchronized (this) {
      if (state == LeaseState.CLOSED) {
        return CompletableFuture.failedFuture(
            new SessionClosedException("the etcd session is closed"));
      }
      if (current != null) {
        return current;
      }
      f = new CompletableFuture<>();
      current = f;
      state = LeaseState.GRANTING;
    }
    grant(f);
    return f;
  }

  /** Whether {@code leaseId} is the live lease. */
  synchronized boolean isLive(long leaseId) {
    return state == LeaseState.LIVE && leaseId == liveId;
  }

  /**
   * Whether keys bound to {@code leaseId} can still be trusted at the moment of the call, from any
   * thread: it is the live lease and the session deadline has not passed on the monotonic clock. A
   * process resuming from a pause longer than the timeout gets false at once, before the deadline's
   * timer has run.
   */
  synchronized boolean trusts(long leaseId) {
    return isLive(leaseId) && !deadline.passed();
  }

  /** The live lease, or {@link #NONE}. */
  synchronized long liveLease() {
    return state == LeaseState.LIVE ? liveId : NONE;
  }

  /** The last lease granted, in hex as etcdctl prints it; empty before the first. */
  String sessionId() {
    long id = lastGranted;
    return id == NONE ? "" : Long.toHexString(id);
  }

  /** The store said {@code leaseId} does not exist (a put bound to it failed). */
  void notFound(long leaseId) {
    onEvents.accept(
        () ->
            lose(
                leaseId,
                "etcd reports that lease " + Long.toHexString(leaseId) + " no longer exists"));
  }

  /** Stops renewing; returns the live lease for the caller to revoke, or {@link #NONE}. */
  long close() {
    CompletableFuture<Long> pending;
    long id;
    synchronized (this) {
      if (state == LeaseState.CLOSED) {
        return NONE;
      }
      id = state == LeaseState.LIVE ? liveId : NONE;
      state = LeaseState.CLOSED;
      liveId = NONE;
      pending = current;
      current = null;
      cancelTick();
    }
    observed.connectionState(ConnectionState.CLOSED);
    deadline.close();
    if (pending != null) {
      pending.completeExceptionally(new SessionClosedException("the etcd session is closed"));
    }
    return id;
  }

  private void grant(CompletableFuture<Long> f) {
    AtomicLong sentAt = new AtomicLong();
    long ttl = settings.ttlSeconds();
    // Authenticated first, so the send time below is when the grant went out, not when a token was
    // asked for.
    ready
        .get()
        .thenCompose(
            x ->
                retrier.retry(
                    "granting an etcd lease",
                    a -> {
                      sentAt.set(clock.getAsLong());
                      return leases.grant(ttl);
                    }))
        .whenComplete(
            (response, error) -> onEvents.accept(() -> granted(f, response, error, sentAt.get())));
  }

  private void granted(
      CompletableFuture<Long> f, LeaseGrantResponse response, Throwable error, long sentAt) {
    if (error != null) {
      synchronized (this) {
        abandonGrant(f);
      }
      f.completeExceptionally(
          EtcdErrors.classify(error) == EtcdErrors.Kind.FATAL
              ? EtcdErrors.fatal("granting an etcd lease", error)
              : ErrorClassifier.unwrap(error));
      return;
    }
    long id = response.getID();
    if (response.getTTL() != settings.ttlSeconds()) {
      // etcd raises a TTL below its minimum without saying so; a crashed leader would then keep its
      // keys longer
      // than the session timeout promises. Refuse rather than quietly change the timeout.
      revokeAbandoned(id);
      synchronized (this) {
        abandonGrant(f);
      }
      f.completeExceptionally(
          response.getTTL() > settings.ttlSeconds()
              ? settings.ttlTooSmall(response.getTTL())
              : new HaException(
                  "etcd granted lease "
                      + Long.toHexString(id)
                      + " a TTL of "
                      + response.getTTL()
                      + "s instead of the "
                      + settings.ttlSeconds()
                      + "s asked for"));
      return;
    }
    synchronized (this) {
      if (state != LeaseState.GRANTING || current != f) {
        revokeAbandoned(id);
        f.completeExceptionally(new SessionClosedException("the etcd session is closed"));
        return;
      }
      state = LeaseState.LIVE;
      liveId = id;
      lastGranted = id;
      lastConfirmedSentAt = sentAt;
      latestSentAt = sentAt;
      latestAnswered = true;
      failuresInARow = 0;
      observed.connectionState(ConnectionState.CONNECTED);
      deadline.arm(sentAt);
      scheduleTick(id, Math.max(0, sentAt + intervalNanos - clock.getAsLong()));
    }
    log.info(
        "etcd lease {} granted (TTL {}s) for {}",
        Long.toHexString(id),
        response.getTTL(),
        settings.basePath());
    f.complete(id);
  }

  /**
   * A grant that failed or was refused: back to no lease, unless a newer grant or close() took
   * over.
   */
  private void abandonGrant(CompletableFuture<Long> f) {
    if (current == f) {
      current = null;
      state = LeaseState.NONE;
    }
  }

  private void keepAlive(long id) {
    long sentAt;
    synchronized (this) {
      if (!isLive(id)) {
        return;
      }
      if (latestSentAt - lastConfirmedSentAt > 0 && !latestAnswered) {
        noteFailure(id, "no answer within " + Durations.format(Duration.ofNanos(intervalNanos)));
      }
      sentAt = clock.getAsLong();
      latestSentAt = sentAt;
      latestAnswered = false;
      // If this one gets no answer in time (a cut connection holds it), the next goes out anyway.
      scheduleTick(id, intervalNanos);
    }
    CompletableFuture<LeaseKeepAliveResponse> answer;
    try {
      answer = leases.keepAliveOnce(id);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete(
        (response, error) -> onEvents.accept(() -> keptAlive(id, sentAt, response, error)));
  }

  /**
   * An answer to the request sent at {@code sentAt}; late answers to earlier requests still count.
   */
  private void keptAlive(long id, long sentAt, LeaseKeepAliveResponse response, Throwable error) {
    synchronized (this) {
      if (!isLive(id)) {
        return;
      }
      boolean latest = sentAt == latestSentAt;
      if (latest) {
        latestAnswered = true;
      }
      if (error == null && response.getTTL() > 0) {
        if (sentAt - lastConfirmedSentAt > 0) {
          lastConfirmedSentAt = sentAt;
          deadline.arm(sentAt);
        }
        if (latest) {
          if (failuresInARow > 0) {
            log.info(
                "etcd lease {} renewed again after {} failed attempts",
                Long.toHexString(id),
                failuresInARow);
          }
          failuresInARow = 0;
          scheduleTick(id, Math.max(0, sentAt + intervalNanos - clock.getAsLong()));
        }
        return;
      }
      if (error != null && EtcdErrors.classify(error) != EtcdErrors.Kind.LEASE_NOT_FOUND) {
        if (latest) {
          noteFailure(id, EtcdErrors.describe(error));
          scheduleTick(id, RETRY_DELAY_NANOS);
        }
        return;
      }
    }
    lose(id, "etcd reports that lease " + Long.toHexString(id) + " expired or was revoked");
  }

  private void noteFailure(long id, String what) {
    failuresInARow++;
    observed.renewalFailed();
    if (failuresInARow == 1 || failuresInARow % 10 == 0) {
      log.warn(
          "renewing etcd lease {} failed ({} in a row; {} left before the session deadline): {}",
          Long.toHexString(id),
          failuresInARow,
          Durations.format(
              Duration.ofMillis(
                  TimeUnit.NANOSECONDS.toMillis(
                      Math.max(0, deadline.deadlineNanos() - clock.getAsLong())))),
          what);
    }
  }

  private void deadlinePassed() {
    long id;
    long since;
    synchronized (this) {
      id = liveId;
      since = clock.getAsLong() - lastConfirmedSentAt;
    }
    if (id != NONE) {
      lose(
          id,
          "no renewal of lease "
              + Long.toHexString(id)
              + " was confirmed within the session timeout of "
              + Durations.format(settings.sessionTimeout())
              + " (the last confirmed one was sent "
              + Durations.format(Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(since)))
              + " ago)");
    }
  }

  /** Runs on the event thread. */
  private void lose(long id, String why) {
    synchronized (this) {
      if (!isLive(id)) {
        return;
      }
      state = LeaseState.NONE;
      liveId = NONE;
      current = null;
      cancelTick();
      deadline.disarm();
    }
    // Before the members are cancelled, so their loss is put down to the session.
    observed.connectionState(ConnectionState.LOST);
    log.warn(
        "etcd lease {} is lost: {}; every member bound to it is lost", Long.toHexString(id), why);
    try {
      listener.leaseLost(id, why);
    } finally {
      revokeAbandoned(id);
    }
  }

  /**
   * Revokes a lease we gave up, so its keys don't outlive our belief in them, trying until the
   * store answers or the lease must have expired by itself anyway.
   */
  private void revokeAbandoned(long id) {
    Duration expiresAnyway =
        Duration.ofSeconds(settings.ttlSeconds()).plus(settings.sessionTimeout());
    long answerWithin = Math.max(intervalNanos, TimeUnit.SECONDS.toNanos(1));
    retrier
        .within(expiresAnyway, (what, e) -> e)
        .retry(
            "revoking abandoned etcd lease " + Long.toHexString(id),
            a -> leases.revoke(id).copy().orTimeout(answerWithin, TimeUnit.NANOSECONDS))
        .whenComplete(
            (r, e) -> {
              // A lease etcd no longer knows, or that we may not revoke, expires by itself.
              if (e == null) {
                log.debug("abandoned etcd lease {} revoked", Long.toHexString(id));
              }
            });
  }

  private void scheduleTick(long id, long delayNanos) {
    cancelTick();
    try {
      tick = events.schedule(() -> keepAlive(id), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      tick = null;
    }
  }

  private void cancelTick() {
    if (tick != null) {
      tick.cancel(false);
      tick = null;
    }
  }
}
