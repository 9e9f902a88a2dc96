package org.masterha.ha.spi;

import com.google.common.base.Preconditions;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before another attempt: {@code first}, doubling after each failure up to {@code
 * cap}. With jitter, each pause is drawn from the upper half of that (so clients that failed
 * together do not all come back at the same instant, and none comes back sooner than half the plain
 * delay).
 */
public record Backoff(Duration first, Duration cap, boolean jitter) {
  public Backoff {
    Preconditions.checkArgument(
        first.toNanos() > 0, "a backoff's first delay must be positive, got %s", first);
    Preconditions.checkArgument(
        cap.compareTo(first) >= 0,
        "a backoff's cap (%s) must be at least its first delay (%s)",
        cap,
        first);
  }

  /** Capped exponential backoff without jitter. */
  public static Backoff exponential(Duration first, Duration cap) {
    return new Backoff(first, cap, false);
  }

  public Backoff withJitter() {
    return new Backoff(first, cap, true);
  }

  /** The pause after the {@code failures}-th failure in a row (from 1). */
  public Duration delay(int failures) {
    long base = Math.min(cap.toNanos(), first.toNanos() << Math.min(Math.max(failures - 1, 0), 20));
    if (!jitter) {
      return Duration.ofNanos(base);
    }
    return Duration.ofNanos(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
  }
}
