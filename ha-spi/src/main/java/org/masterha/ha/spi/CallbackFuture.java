package org.masterha.ha.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A future the API hands out: whoever completes it, every action a caller attaches runs on the
 * caller's executor, never on the thread that completed it. Backends complete their futures on
 * their event and I/O threads, which in ZooKeeper and etcd also run the liveness deadline; a caller
 * that blocked in {@code whenComplete} there would delay its own {@code lost()}. So each non-async
 * method here is its {@code ...Async} twin on the caller's executor, and stages made from it are of
 * this kind too.
 *
 * <p>The future itself still completes at once on the backend's thread (completing it runs no
 * caller code), so {@code isDone()}, {@code get()} and {@code join()} see the outcome as soon as
 * the backend knows it.
 *
 * <p>A {@linkplain #readOnly read-only} one is a view of a future the kit keeps completing (a
 * membership's {@code cancelled}, a candidacy's {@code lost} and {@code elected}): callers cannot
 * complete, cancel or obtrude it, so no caller can make a candidacy look lost or elected to
 * everyone else holding it.
 */
public class CallbackFuture<T> extends CompletableFuture<T> {
  private final Executor executor;

  CallbackFuture(Executor executor) {
    this.executor = executor;
  }

  /**
   * A read-only future that completes as {@code source} does; its actions run on {@code executor}.
   */
  public static <T> CallbackFuture<T> readOnly(CompletableFuture<T> source, Executor executor) {
    ReadOnly<T> view = new ReadOnly<>(executor);
    source.whenComplete(view::settle);
    return view;
  }

  /** A future that completes as {@code source} does; its actions run on {@code executor}. */
  public static <T> CallbackFuture<T> relay(CompletableFuture<T> source, Executor executor) {
    CallbackFuture<T> f = new CallbackFuture<>(executor);
    source.whenComplete(
        (value, error) -> {
          if (error != null) {
            f.completeExceptionally(error);
          } else {
            f.complete(value);
          }
        });
    return f;
  }

  @Override
  public Executor defaultExecutor() {
    return executor;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CallbackFuture<>(executor);
  }

  @Override
  public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
    return thenApplyAsync(fn);
  }

  @Override
  public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
    return thenAcceptAsync(action);
  }

  @Override
  public CompletableFuture<Void> thenRun(Runnable action) {
    return thenRunAsync(action);
  }

  @Override
  public <U, V> CompletableFuture<V> thenCombine(
      CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
    return thenCombineAsync(other, fn);
  }

  @Override
  public <U> CompletableFuture<Void> thenAcceptBoth(
      CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
    return thenAcceptBothAsync(other, action);
  }

  @Override
  public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
    return runAfterBothAsync(other, action);
  }

  @Override
  public <U> CompletableFuture<U> applyToEither(
      CompletionStage<? extends T> other, Function<? super T, U> fn) {
    return applyToEitherAsync(other, fn);
  }

  @Override
  public CompletableFuture<Void> acceptEither(
      CompletionStage<? extends T> other, Consumer<? super T> action) {
    return acceptEitherAsync(other, action);
  }

  @Override
  public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
    return runAfterEitherAsync(other, action);
  }

  @Override
  public <U> CompletableFuture<U> thenCompose(
      Function<? super T, ? extends CompletionStage<U>> fn) {
    return thenComposeAsync(fn);
  }

  @Override
  public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
    return handleAsync(fn);
  }

  @Override
  public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
    return whenCompleteAsync(action);
  }

  @Override
  public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
    return exceptionallyAsync(fn);
  }

  @Override
  public CompletableFuture<T> exceptionallyCompose(
      Function<Throwable, ? extends CompletionStage<T>> fn) {
    return exceptionallyComposeAsync(fn);
  }

  /**
   * The JDK's minimal stage would run actions on the completing thread again; this one is a
   * read-only copy.
   */
  @Override
  public CompletionStage<T> minimalCompletionStage() {
    return readOnly(this, executor);
  }

  /** A read-only view: the kit completes it through {@link #settle}, callers cannot. */
  private static final class ReadOnly<T> extends CallbackFuture<T> {
    ReadOnly(Executor executor) {
      super(executor);
    }

    void settle(T value, Throwable error) {
      if (error != null) {
        super.completeExceptionally(error);
      } else {
        super.complete(value);
      }
    }

    @Override
    public boolean complete(T value) {
      throw refused("complete");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      throw refused("completeExceptionally");
    }

    @Override
    public void obtrudeValue(T value) {
      throw refused("obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
      throw refused("obtrudeException");
    }

    /** Cannot be cancelled by a caller: {@code false}, as for a task that already ran. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return false;
    }

    @Override
    public CompletableFuture<T> completeAsync(
        java.util.function.Supplier<? extends T> supplier, Executor executor) {
      throw refused("completeAsync");
    }

    /** A copy that times out: the shared future itself is never completed by a caller's timeout. */
    @Override
    public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
      return copy().orTimeout(timeout, unit);
    }

    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
      return copy().completeOnTimeout(value, timeout, unit);
    }

    private static UnsupportedOperationException refused(String what) {
      return new UnsupportedOperationException(
          what
              + "(): this future is completed by the HA session, not by callers;"
              + " use copy() for a future of your own");
    }
  }
}
