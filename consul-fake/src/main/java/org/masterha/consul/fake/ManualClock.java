package org.masterha.consul.fake;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FakeClock} that only moves when told to, so TTL and lock-delay tests run without waiting
 * and without racing a timer. {@link #advance(Duration)} returns after the fake has applied every
 * expiry that became due (sessions invalidated, lock-delays lapsed).
 */
public final class ManualClock implements FakeClock {

  private final AtomicLong nanos;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  public ManualClock() {
    // Start far from zero so that "deadline = now + ttl" never needs special cases.
    this(1_000_000_000_000L);
  }

  public ManualClock(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a monotonic clock cannot go back: " + by);
    }
    nanos.addAndGet(by.toNanos());
    listeners.forEach(Runnable::run);
  }

  @Override
  public void onAdvance(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public void removeOnAdvance(Runnable listener) {
    listeners.remove(listener);
  }
}
