package org.masterha.etcd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an operation while its failures are transient (server restarting, leader election, connection down),
 * with a capped exponential backoff, until it succeeds, fails for good, or the session closes. Lease and
 * compaction failures are not retried here: the caller knows what they mean.
 */
final class Retrier {
  private static final Logger log = LoggerFactory.getLogger(Retrier.class);
  private static final long FIRST_DELAY_MS = 50;
  private static final long MAX_DELAY_MS = 1000;

  private final ScheduledExecutorService scheduler;
  private final BooleanSupplier closed;
  private final Supplier<RuntimeException> closedError;

  Retrier(ScheduledExecutorService scheduler, BooleanSupplier closed, Supplier<RuntimeException> closedError) {
    this.scheduler = scheduler;
    this.closed = closed;
    this.closedError = closedError;
  }

  /** Runs {@code attempt} (given the attempt number, from 1) until it needs no retry. */
  <T> CompletableFuture<T> retry(String what, IntFunction<CompletableFuture<T>> attempt) {
    CompletableFuture<T> result = new CompletableFuture<>();
    run(what, attempt, 1, result);
    return result;
  }

  private <T> void run(String what, IntFunction<CompletableFuture<T>> attempt, int n, CompletableFuture<T> result) {
    if (closed.getAsBoolean()) {
      result.completeExceptionally(closedError.get());
      return;
    }
    CompletableFuture<T> f;
    try {
      f = attempt.apply(n);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
        return;
      }
      if (closed.getAsBoolean()) {
        result.completeExceptionally(closedError.get());
        return;
      }
      EtcdErrors.Kind kind = EtcdErrors.classify(error);
      if (kind != EtcdErrors.Kind.RETRYABLE) {
        result.completeExceptionally(EtcdErrors.unwrap(error));
        return;
      }
      long delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS << Math.min(n - 1, 10));
      if (n % 10 == 0) {
        log.warn("{}: still failing after {} attempts, retrying: {}", what, n, EtcdErrors.describe(error));
      } else {
        log.debug("{}: attempt {} failed, retrying in {} ms: {}", what, n, delay, EtcdErrors.describe(error));
      }
      try {
        scheduler.schedule(() -> run(what, attempt, n + 1, result), delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        result.completeExceptionally(closedError.get());
      }
    });
  }
}
