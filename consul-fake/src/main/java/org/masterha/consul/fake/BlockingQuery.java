package org.masterha.consul.fake;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Consul's blocking-query loop ({@code blockingQuery} in agent/consul/rpc.go), over the fake's
 * single change condition.
 *
 * <p>Semantics kept: without {@code ?index} (or with 0) the query answers at once. Otherwise it
 * re-evaluates after every write and answers as soon as its result index exceeds the one asked for,
 * or when {@code ?wait} (default 5m, capped at 10m, plus up to wait/16 random jitter) runs out,
 * with whatever index it has then, possibly the same one. A result index is never below 1.
 * Re-evaluating on every write rather than only on writes to the queried keys is invisible to a
 * client: the answer only changes when the query's own index moves.
 */
final class BlockingQuery {

  static final long DEFAULT_WAIT_NANOS = TimeUnit.MINUTES.toNanos(5);
  static final long MAX_WAIT_NANOS = TimeUnit.MINUTES.toNanos(10);

  /** Consul's structs.JitterFraction. */
  static final int JITTER_FRACTION = 16;

  private BlockingQuery() {}

  /** The wait a query with the given {@code ?wait} really gets, jitter included. */
  static long effectiveWait(long requestedNanos, boolean jitter) {
    long wait = requestedNanos <= 0 ? DEFAULT_WAIT_NANOS : Math.min(requestedNanos, MAX_WAIT_NANOS);
    if (jitter && wait / JITTER_FRACTION > 0) {
      wait += ThreadLocalRandom.current().nextLong(wait / JITTER_FRACTION);
    }
    return wait;
  }

  /**
   * Runs {@code query} under the store lock until its index (clamped to at least 1) exceeds {@code
   * minIndex} or the wait is over. Throws {@link FakeConsulStopped} if the fake stops.
   */
  static <R> Indexed<R> run(
      StateStore store,
      long minIndex,
      long waitNanos,
      Supplier<R> query,
      ToLongFunction<R> indexOf) {
    store.lock();
    try {
      long epoch = store.currentEpoch();
      long remaining = waitNanos;
      while (true) {
        R result = query.get();
        long index = Math.max(1, indexOf.applyAsLong(result));
        if (minIndex == 0 || index > minIndex || remaining <= 0) {
          return new Indexed<>(result, index);
        }
        try {
          remaining = store.awaitChange(remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FakeConsulStopped();
        }
        store.checkEpoch(epoch);
      }
    } finally {
      store.unlock();
    }
  }

  /** A query result with the index to report in X-Consul-Index. */
  record Indexed<R>(R value, long index) {}
}
