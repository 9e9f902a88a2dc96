package org.masterha.raft;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.masterha.ha.Durations;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.LivenessDeadline;
import org.masterha.ha.state.State;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ratis client and one coordination session in the replicated state, opened when the first
 * member needs it and kept alive by a keep-alive command every sixth of the session timeout. Each
 * keep-alive the group confirms arms the {@link LivenessDeadline} with the time it was
 * <em>sent</em>: the Raft leader restarts the session's timeout when it applies it, later than
 * that, so the local deadline is never after the group's expiry. When the deadline passes, or the
 * group answers that the session is gone, the session is lost: every member made through it is
 * lost, and the next join opens a new session.
 *
 * <p>Group views and session transitions run on one event thread.
 */
final class RaftSession implements HaSession {
  private static final Logger log = LoggerFactory.getLogger(RaftSession.class);

  enum SessionState {
    NONE,
    OPENING,
    LIVE,
    CLOSED
  }

  private final HaConfig config;
  private final RaftSettings settings;
  private final RaftConnection connection;
  private final ScheduledThreadPoolExecutor events;
  private final LivenessDeadline deadline;
  private final long intervalNanos;
  private final Map<String, RaftMemberGroup> groups = new ConcurrentHashMap<>();
  private final AtomicLong nonces = new AtomicLong();

  // Guarded by this.
  private SessionState state = SessionState.NONE;
  private CompletableFuture<Long> current;
  private long liveId;
  private long lastConfirmedSentAt;
  private ScheduledFuture<?> tick;
  private volatile long lastGranted;
  private volatile boolean closed;

  RaftSession(HaConfig config, RaftSettings settings) {
    this.config = config;
    this.settings = settings;
    this.events =
        new ScheduledThreadPoolExecutor(
            1, DaemonThreads.named("masterha-raft-events " + settings.basePath()));
    events.setRemoveOnCancelPolicy(true);
    this.connection = new RaftConnection(settings);
    this.intervalNanos =
        Math.max(TimeUnit.MILLISECONDS.toNanos(100), settings.sessionTimeout().toNanos() / 6);
    this.deadline = new LivenessDeadline(settings.sessionTimeout(), events, this::deadlinePassed);
  }

  @Override
  public String backend() {
    return RaftBackend.NAME;
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
          RaftMemberGroup g = new RaftMemberGroup(this, p);
          g.start();
          return g;
        });
  }

  @Override
  public State state(Optional<Candidacy> fence) {
    if (closed) {
      throw closedException();
    }
    return new RaftState(this, fence);
  }

  @Override
  public String sessionId() {
    long id = lastGranted;
    return id == 0 ? "" : Long.toString(id);
  }

  RaftSettings settings() {
    return settings;
  }

  RaftConnection connection() {
    return connection;
  }

  long nextNonce() {
    return nonces.incrementAndGet();
  }

  boolean isClosed() {
    return closed;
  }

  SessionClosedException closedException() {
    return new SessionClosedException(
        "raft session "
            + (sessionId().isEmpty() ? "" : sessionId() + " ")
            + "on "
            + settings.basePath()
            + " is closed");
  }

  // ------------------------------------------------------------------ the coordination session

  /** The live session's id, opening one if there is none. */
  CompletableFuture<Long> session() {
    CompletableFuture<Long> f;
    synchronized (this) {
      if (state == SessionState.CLOSED) {
        return CompletableFuture.failedFuture(closedException());
      }
      if (current != null) {
        return current;
      }
      f = new CompletableFuture<>();
      current = f;
      state = SessionState.OPENING;
    }
    AtomicLong sentAt = new AtomicLong(System.nanoTime());
    byte[] open =
        new Wire.Out().op(Op.OPEN_SESSION).i64(settings.sessionTimeout().toMillis()).toBytes();
    connection
        .write(open, sentAt::set)
        .whenComplete((reply, error) -> onEvents(() -> opened(f, reply, error, sentAt.get())));
    return f;
  }

  private void opened(CompletableFuture<Long> f, byte[] reply, Throwable error, long sentAt) {
    long id;
    synchronized (this) {
      if (state != SessionState.OPENING || current != f) {
        if (error == null) {
          closeQuietly(new Wire.In(reply).i64());
        }
        f.completeExceptionally(closedException());
        return;
      }
      if (error != null) {
        current = null;
        state = SessionState.NONE;
        f.completeExceptionally(error);
        return;
      }
      id = new Wire.In(reply).i64();
      state = SessionState.LIVE;
      liveId = id;
      lastGranted = id;
      lastConfirmedSentAt = sentAt;
      deadline.arm(sentAt);
      scheduleTick(id, Math.max(0, sentAt + intervalNanos - System.nanoTime()));
    }
    log.info(
        "raft session {} opened for {} (timeout {})",
        id,
        settings.basePath(),
        Durations.format(settings.sessionTimeout()));
    f.complete(id);
  }

  synchronized boolean isLive(long id) {
    return state == SessionState.LIVE && liveId == id;
  }

  /**
   * Whether members of session {@code id} can be trusted now: live, and its deadline not passed.
   */
  synchronized boolean trusts(long id) {
    return isLive(id) && !deadline.passed();
  }

  synchronized long liveSession() {
    return state == SessionState.LIVE ? liveId : 0;
  }

  private void keepAlive(long id) {
    synchronized (this) {
      if (!isLive(id)) {
        return;
      }
      // The next one goes out on time even if this one gets no answer (a cut connection holds it).
      scheduleTick(id, intervalNanos);
    }
    AtomicLong sentAt = new AtomicLong(System.nanoTime());
    connection
        .keepAlive(new Wire.Out().op(Op.KEEP_ALIVE).i64(id).toBytes(), sentAt::set)
        .whenComplete((reply, error) -> onEvents(() -> keptAlive(id, sentAt.get(), reply, error)));
  }

  private void keptAlive(long id, long sentAt, byte[] reply, Throwable error) {
    synchronized (this) {
      if (!isLive(id)) {
        return;
      }
      if (error != null) {
        log.debug("raft session {}: a keep-alive failed: {}", id, error.toString());
        return;
      }
      if (new Wire.In(reply).bool()) {
        if (sentAt - lastConfirmedSentAt > 0) {
          lastConfirmedSentAt = sentAt;
          deadline.arm(sentAt);
        }
        return;
      }
    }
    lose(id, "the raft group reports that session " + id + " expired or was closed");
  }

  private void deadlinePassed() {
    long id = liveSession();
    if (id != 0) {
      lose(
          id,
          "no keep-alive of session "
              + id
              + " was confirmed within the session timeout of "
              + Durations.format(settings.sessionTimeout()));
    }
  }

  /** The session can no longer be trusted; on the event thread. */
  void lose(long id, String why) {
    synchronized (this) {
      if (!isLive(id)) {
        return;
      }
      state = SessionState.NONE;
      liveId = 0;
      current = null;
      cancelTick();
      deadline.disarm();
    }
    log.warn("raft session {} is lost: {}; every member made through it is lost", id, why);
    groups.values().forEach(RaftMemberGroup::sessionLost);
    // Its members must not outlive our belief in them: end it if the group still has it.
    closeQuietly(id);
  }

  private void closeQuietly(long id) {
    connection
        .write(new Wire.Out().op(Op.CLOSE_SESSION).i64(id).toBytes())
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                log.debug("closing abandoned raft session {} failed: {}", id, e.toString());
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

  // ------------------------------------------------------------------ event thread

  void onEvents(Runnable task) {
    try {
      events.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.error("raft session on {}: an event handler failed", settings.basePath(), e);
            }
          });
    } catch (RejectedExecutionException e) {
      log.debug("raft session on {} is closed; dropping an event", settings.basePath());
    }
  }

  void schedule(Runnable task, long delayMs) {
    try {
      events.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("raft session on {} is closed; dropping a timer", settings.basePath());
    }
  }

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

  @Override
  public void close() {
    long id;
    CompletableFuture<Long> pending;
    synchronized (this) {
      if (state == SessionState.CLOSED) {
        return;
      }
      closed = true;
      id = state == SessionState.LIVE ? liveId : 0;
      pending = current;
      current = null;
      state = SessionState.CLOSED;
      cancelTick();
    }
    deadline.close();
    SessionClosedException cause = closedException();
    if (pending != null) {
      pending.completeExceptionally(cause);
    }
    if (id != 0) {
      // The clean exit: our members go now, not after the timeout, so a withdrawn leader is
      // replaced at once.
      Duration wait =
          settings.sessionTimeout().compareTo(Duration.ofSeconds(5)) < 0
              ? settings.sessionTimeout()
              : Duration.ofSeconds(5);
      try {
        connection
            .write(new Wire.Out().op(Op.CLOSE_SESSION).i64(id).toBytes())
            .get(wait.toMillis(), TimeUnit.MILLISECONDS);
        log.info("raft session {} closed on {}", id, settings.basePath());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn(
            "raft session {} on {} closed without telling the group ({}); its members go when its timeout of {} runs out",
            id,
            settings.basePath(),
            e.toString(),
            Durations.format(settings.sessionTimeout()));
      }
    }
    groups.values().forEach(g -> g.close(cause));
    events.shutdown();
    connection.close();
  }

  @Override
  public String toString() {
    return "RaftSession["
        + settings.endpoints()
        + settings.basePath()
        + ", session="
        + (sessionId().isEmpty() ? "none" : sessionId())
        + (closed ? ", closed" : "")
        + "]";
  }
}
