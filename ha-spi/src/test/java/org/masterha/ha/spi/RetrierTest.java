package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetrierTest {
  private static final Backoff FAST =
      Backoff.exponential(Duration.ofMillis(1), Duration.ofMillis(4));

  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("retrier-test"));
  private final AtomicBoolean closed = new AtomicBoolean();

  /** "retry" and "unknown" in a message say how to classify it; anything else is fatal. */
  private final ErrorClassifier classifier =
      e ->
          e.getMessage().startsWith("retry")
              ? ErrorClass.RETRYABLE
              : e.getMessage().startsWith("unknown")
                  ? ErrorClass.OUTCOME_UNKNOWN
                  : ErrorClass.FATAL;

  private Retrier retrier() {
    return new Retrier(
        scheduler, classifier, FAST, closed::get, () -> new IllegalStateException("closed"));
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void retriesUntilSuccessAndTellsTheAttemptWhenAnEarlierOutcomeIsUnknown() {
    List<Retrier.Attempt> seen = new ArrayList<>();
    String result =
        retrier()
            .retry(
                "test",
                a -> {
                  seen.add(a);
                  return switch (a.number()) {
                    case 1 ->
                        CompletableFuture.failedFuture(
                            new RuntimeException("retry: no connection"));
                    case 2 ->
                        CompletableFuture.failedFuture(
                            new CompletionException(new RuntimeException("unknown: answer lost")));
                    default -> CompletableFuture.completedFuture("done");
                  };
                })
            .join();
    assertThat(result).isEqualTo("done");
    assertThat(seen)
        .containsExactly(
            new Retrier.Attempt(1, false),
            new Retrier.Attempt(2, false),
            new Retrier.Attempt(3, true));
  }

  @Test
  void aFatalFailureIsNotRetriedAndIsMappedForTheCaller() {
    List<Integer> attempts = new ArrayList<>();
    CompletableFuture<String> f =
        retrier()
            .failingWith((what, e) -> new IllegalArgumentException(what + ": " + e.getMessage()))
            .retry(
                "joining",
                a -> {
                  attempts.add(a.number());
                  throw new RuntimeException("refused");
                });
    assertThatThrownBy(f::join)
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("joining: refused");
    assertThat(attempts).containsExactly(1);
  }

  @Test
  void givesUpWhenTheBudgetRunsOut() {
    CompletableFuture<String> f =
        retrier()
            .within(
                Duration.ZERO,
                (what, e) -> new IllegalStateException(what + " timed out after " + e.getMessage()))
            .retry(
                "reading",
                a -> CompletableFuture.failedFuture(new RuntimeException("retry: down")));
    assertThatThrownBy(f::join).hasMessageContaining("reading timed out after retry: down");
  }

  @Test
  void aClosedSessionEndsTheRetries() {
    CompletableFuture<String> f =
        retrier()
            .retry(
                "listing",
                a -> {
                  closed.set(true);
                  return CompletableFuture.failedFuture(new RuntimeException("retry: down"));
                });
    assertThatThrownBy(f::join)
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void backoffDoublesUpToItsCapAndJitterStaysInTheUpperHalf() {
    Backoff b = Backoff.exponential(Duration.ofMillis(50), Duration.ofMillis(1000));
    assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.delay(99)).isEqualTo(Duration.ofMillis(1000));
    for (int i = 1; i < 30; i++) {
      assertThat(b.withJitter().delay(i)).isBetween(b.delay(i).dividedBy(2), b.delay(i));
    }
    assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cap");
  }
}
