package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LivenessDeadline#passed()} reads the clock at the moment of the call: a process resuming
 * from a pause longer than the timeout is past its deadline before the timer that runs {@code
 * onDeadline} gets to run. The scheduler's thread is held by a latch here, as a paused process's
 * timer thread would be.
 */
class LivenessDeadlineTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final CountDownLatch timerHeld = new CountDownLatch(1);
  private final AtomicInteger fired = new AtomicInteger();
  private final CountDownLatch firedOnce = new CountDownLatch(1);

  @AfterEach
  void stop() {
    timerHeld.countDown();
    scheduler.shutdownNow();
  }

  private LivenessDeadline deadline() {
    scheduler.execute(
        () -> {
          try {
            timerHeld.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    return new LivenessDeadline(
        TIMEOUT,
        scheduler,
        () -> {
          fired.incrementAndGet();
          firedOnce.countDown();
        },
        now::get);
  }

  @Test
  void passedAnswersFromTheClockBeforeTheTimerRuns() {
    LivenessDeadline d = deadline();
    assertThat(d.passed()).as("disarmed").isFalse();
    d.arm(now.get());
    now.addAndGet(TIMEOUT.toNanos() / 2);
    assertThat(d.passed()).as("half the timeout after the renewal").isFalse();
    now.addAndGet(TIMEOUT.toNanos());
    assertThat(d.passed()).as("past the deadline, its timer not run yet").isTrue();
    assertThat(fired).as("onDeadline runs on the timer, not in passed()").hasValue(0);
  }

  @Test
  void passedStaysTrueAfterTheTimerFiredUntilArmedAgain() throws Exception {
    LivenessDeadline d = deadline();
    // The last confirmed renewal was sent two timeouts ago (the process was paused since): due at
    // once.
    d.arm(now.get() - TIMEOUT.toNanos() * 2);
    timerHeld.countDown();
    assertThat(firedOnce.await(30, TimeUnit.SECONDS)).as("onDeadline ran").isTrue();
    assertThat(d.passed()).as("after onDeadline ran").isTrue();
    assertThat(fired).hasValue(1);
    d.arm(now.get());
    assertThat(d.passed()).as("armed again with a fresh renewal").isFalse();
    d.disarm();
    now.addAndGet(TIMEOUT.toNanos() * 2);
    assertThat(d.passed()).as("disarmed").isFalse();
  }

  @Test
  void theMarginMakesTheDeadlineEarlyNeverLate() {
    LivenessDeadline d = deadline();
    long renewedAt = now.get();
    d.arm(renewedAt);
    assertThat(d.deadlineNanos())
        .isLessThan(renewedAt + TIMEOUT.toNanos())
        .isGreaterThan(renewedAt);
    now.set(renewedAt + TIMEOUT.toNanos() - 1);
    assertThat(d.passed()).as("just before the store could expire the session").isTrue();
  }
}
