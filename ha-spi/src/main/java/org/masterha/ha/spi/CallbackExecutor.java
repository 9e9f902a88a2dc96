package org.masterha.ha.spi;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
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
   * The default for a session: daemon threads started on demand and ended when idle, one per
   * callback that is running at the moment. Unbounded on purpose: a callback that blocks holds one
   * thread and never holds up another callback, least of all a {@code lost()} that must reach the
   * caller in time.
   */
  public static Executor newDefaultExecutor(String name) {
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            IDLE_SECONDS,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    return pool;
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
