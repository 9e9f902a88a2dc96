package org.masterha.ha.spi;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.masterha.ha.group.Membership;

/**
 * Where the callers' actions on the futures the API hands out run: the executor a caller gave in
 * {@code HaConfig}, else a session's own {@linkplain #newDefaultExecutor default}. The kit turns
 * each future it hands out into a {@link CallbackFuture} here, at the API boundary, so no backend
 * has to know about it.
 */
public final class CallbackExecutor {
  /** Idle callback threads end after this, so a quiet session holds no thread. */
  private static final long IDLE_SECONDS = 10;

  private static final CallbackExecutor DIRECT = new CallbackExecutor(Runnable::run);

  private final Executor executor;

  private CallbackExecutor(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  public static CallbackExecutor of(Executor executor) {
    return new CallbackExecutor(executor);
  }

  /**
   * Actions run on the thread that completes the future, as plain {@code CompletableFuture}s do:
   * for the roles a backend's session makes by itself (backend tests, the kit's own unit tests),
   * not for what applications get.
   */
  public static CallbackExecutor direct() {
    return DIRECT;
  }

  /**
   * The default for a session: daemon threads started on demand and ended after 10 s idle. A few
   * threads take the callbacks from a queue, so telling thousands of listeners of one change costs
   * a queue entry each, not a thread hand-off or a new thread each. It never lets a callback that
   * blocks hold up the others: while callbacks wait and none has started for {@value #STALL_MILLIS}
   * ms (every thread is busy, maybe blocked), one more thread is started, and so on, without bound.
   * So a callback that blocks holds one thread, and delays another callback by a few milliseconds
   * at most, least of all a {@code lost()} that must reach the caller in time.
   */
  public static Executor newDefaultExecutor(String name) {
    return new ElasticExecutor(name);
  }

  /** How long queued callbacks may see none of them start before another thread is added. */
  static final long STALL_MILLIS = 5;

  /** The threads kept while callbacks flow (more only while some block). */
  static final int BASE_THREADS = 2;

  /** See {@link #newDefaultExecutor}. */
  static final class ElasticExecutor implements Executor {
    private final ThreadPoolExecutor pool;
    private final java.util.concurrent.ScheduledThreadPoolExecutor watchdog;
    private final java.util.concurrent.atomic.AtomicLong started =
        new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean watching =
        new java.util.concurrent.atomic.AtomicBoolean();
    private long startedAtLastLook = -1;

    ElasticExecutor(String name) {
      AtomicInteger threads = new AtomicInteger();
      java.util.concurrent.ThreadFactory factory =
          r -> {
            Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
          };
      pool =
          new ThreadPoolExecutor(
              BASE_THREADS,
              Integer.MAX_VALUE,
              IDLE_SECONDS,
              TimeUnit.SECONDS,
              new java.util.concurrent.LinkedBlockingQueue<>(),
              factory);
      pool.allowCoreThreadTimeOut(true);
      watchdog =
          new java.util.concurrent.ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, name + "-watchdog");
                t.setDaemon(true);
                return t;
              });
      watchdog.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
      watchdog.allowCoreThreadTimeOut(true);
      watchdog.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable task) {
      Objects.requireNonNull(task, "task");
      pool.execute(
          () -> {
            started.incrementAndGet();
            task.run();
          });
      if (!pool.getQueue().isEmpty() && watching.compareAndSet(false, true)) {
        watchdog.schedule(this::look, STALL_MILLIS, TimeUnit.MILLISECONDS);
      }
    }

    /** While callbacks are queued: adds a thread when none of them started since the last look. */
    private void look() {
      if (pool.getQueue().isEmpty()) {
        startedAtLastLook = -1;
        if (pool.getCorePoolSize() > BASE_THREADS) {
          // The extra threads end once idle; a callback still blocking keeps its own.
          pool.setCorePoolSize(BASE_THREADS);
        }
        watching.set(false);
        if (pool.getQueue().isEmpty() || !watching.compareAndSet(false, true)) {
          return;
        }
      } else {
        long now = started.get();
        if (now == startedAtLastLook) {
          pool.setCorePoolSize(pool.getCorePoolSize() + 1); // starts a thread for the queue
        }
        startedAtLastLook = now;
      }
      watchdog.schedule(this::look, STALL_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
      return "ElasticExecutor[" + pool + "]";
    }
  }

  public Executor executor() {
    return executor;
  }

  /**
   * A future of the caller's that completes as {@code source} does, its actions on this executor.
   */
  public <T> CompletableFuture<T> relay(CompletableFuture<T> source) {
    return CallbackFuture.relay(source, executor);
  }

  /**
   * A read-only view of {@code source}, which the kit or the backend keeps completing; actions on
   * this executor.
   */
  public <T> CompletableFuture<T> readOnly(CompletableFuture<T> source) {
    return CallbackFuture.readOnly(source, executor);
  }

  /**
   * The membership as callers see it: its {@code cancelled()} a read-only view on this executor.
   */
  public Membership membership(Membership owned) {
    return owned.withCancelledView(readOnly(owned.cancelled()));
  }
}
