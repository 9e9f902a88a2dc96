package org.masterha.ha.spi;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The local half of a session's safety: the moment after which the store may already have expired
 * the session and elected someone else, measured on this process's monotonic clock from the last
 * renewal the store confirmed. The store restarts its own timer when it receives a renewal, which
 * is after we sent it, so {@code sent + timeout} is never later than the store's expiry.
 *
 * <p>A backend arms it with the send time of each confirmed renewal (etcd keepalive, Consul renew)
 * or, for a connection-based session like ZooKeeper's, when the connection is suspended; it disarms
 * it when the connection is confirmed again. {@code onDeadline} runs once per arming if the
 * deadline passes first; a small margin makes it fire a little early rather than late.
 *
 * <p>{@link #passed()} reads the clock at the moment of the call and stays true from the deadline
 * until the next {@link #arm} or {@link #disarm}: a process that resumes after a pause (SIGSTOP, a
 * long GC) longer than the timeout learns it is past its deadline at once, before the timer that
 * runs {@code onDeadline} got the CPU.
 */
public final class LivenessDeadline implements AutoCloseable {
  private final long timeoutNanos;
  private final long marginNanos;
  private final ScheduledExecutorService scheduler;
  private final Runnable onDeadline;
  private final LongSupplier clock;
  private final SessionEvents events;
  private ScheduledFuture<?> timer;
  private long deadline = Long.MAX_VALUE;
  private long generation;
  private boolean closed;

  public LivenessDeadline(
      Duration timeout, ScheduledExecutorService scheduler, Runnable onDeadline) {
    this(timeout, scheduler, onDeadline, System::nanoTime, SessionEvents.NONE);
  }

  /**
   * A deadline that reports each confirmed renewal ({@link #arm}) and its passing to {@code
   * events}.
   */
  public LivenessDeadline(
      Duration timeout,
      ScheduledExecutorService scheduler,
      Runnable onDeadline,
      SessionEvents events) {
    this(timeout, scheduler, onDeadline, System::nanoTime, events);
  }

  public LivenessDeadline(
      Duration timeout,
      ScheduledExecutorService scheduler,
      Runnable onDeadline,
      LongSupplier clock) {
    this(timeout, scheduler, onDeadline, clock, SessionEvents.NONE);
  }

  public LivenessDeadline(
      Duration timeout,
      ScheduledExecutorService scheduler,
      Runnable onDeadline,
      LongSupplier clock,
      SessionEvents events) {
    this.timeoutNanos = timeout.toNanos();
    // A tenth of the timeout, at most 500 ms: room for scheduling delay, not enough to make blips
    // fatal.
    this.marginNanos = Math.min(timeoutNanos / 10, TimeUnit.MILLISECONDS.toNanos(500));
    this.scheduler = scheduler;
    this.onDeadline = onDeadline;
    this.clock = clock;
    this.events = events;
  }

  /**
   * The last renewal the store confirmed was sent at {@code sentAtNanos}: the deadline moves to it
   * + timeout.
   */
  public void arm(long sentAtNanos) {
    synchronized (this) {
      if (closed) {
        return;
      }
      deadline = sentAtNanos + timeoutNanos - marginNanos;
      reschedule();
    }
    // Every backend arms the deadline with each renewal the store confirms: the one place that
    // sees them all.
    events.renewalConfirmed(sentAtNanos, clock.getAsLong());
  }

  /**
   * The session is confirmed live by other means (a connected ZooKeeper session): no deadline runs.
   */
  public synchronized void disarm() {
    deadline = Long.MAX_VALUE;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    generation++;
  }

  /**
   * The monotonic time at which {@code onDeadline} fires (or fired, until re-armed), or {@link
   * Long#MAX_VALUE} when disarmed.
   */
  public synchronized long deadlineNanos() {
    return deadline;
  }

  /** Whether the deadline has passed, by the clock now; false while disarmed. */
  public synchronized boolean passed() {
    return deadline != Long.MAX_VALUE && clock.getAsLong() >= deadline;
  }

  private void reschedule() {
    if (timer != null) {
      timer.cancel(false);
    }
    long gen = ++generation;
    long delay = Math.max(0, deadline - clock.getAsLong());
    timer = scheduler.schedule(() -> fire(gen), delay, TimeUnit.NANOSECONDS);
  }

  private void fire(long gen) {
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      long now = clock.getAsLong();
      if (now < deadline) {
        timer = scheduler.schedule(() -> fire(gen), deadline - now, TimeUnit.NANOSECONDS);
        return;
      }
      timer = null;
      // The deadline stays where it was, so passed() keeps answering true until the next arm or
      // disarm.
    }
    // Reported before the backend cancels the members, so their loss is put down to the session.
    events.deadlinePassed();
    onDeadline.run();
  }

  @Override
  public synchronized void close() {
    closed = true;
    disarm();
  }
}
