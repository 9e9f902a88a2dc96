package org.masterha.tck;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A store's request counter read as a test needs it: once it has settled, so that a cost counted
 * between two readings holds every request a change caused, the late ones included, and none from
 * the setup before it.
 */
public final class RequestCounter {
  /** Settled: the same count on this many readings in a row, {@link #POLL} apart. */
  private static final int STEADY_READINGS = 4;

  private static final Duration POLL = Duration.ofMillis(100);

  private final String what;
  private final Callable<Long> count;
  private final long perReading;
  private long readings;

  /** A counter named {@code what} (for failure messages) read by {@code count}. */
  public RequestCounter(String what, Callable<Long> count) {
    this(what, count, 0);
  }

  /**
   * A counter that counts its own readings too, {@code perReading} requests each (ZooKeeper's
   * {@code srvr} command is a packet the server receives): they are left out of what it returns.
   */
  public RequestCounter(String what, Callable<Long> count, long perReading) {
    this.what = what;
    this.count = count;
    this.perReading = perReading;
  }

  /**
   * The count once no request has come in for {@link #STEADY_READINGS} readings in a row; fails
   * when it keeps moving for {@code within} (something keeps sending: an idle cost too high to
   * count a change against).
   */
  public long settled(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    long last = read();
    int steady = 1;
    while (steady < STEADY_READINGS) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            what + " kept moving for " + within + " (last " + last + "): it never settled");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL.toMillis()));
      long now = read();
      steady = now == last ? steady + 1 : 1;
      last = now;
    }
    return last;
  }

  /** The count, less what this counter's own readings added to it. */
  private long read() throws Exception {
    long c = count.call() - perReading * readings;
    readings++;
    return c;
  }
}
