package org.masterha.ha.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an asynchronous store operation again while its failures are worth retrying, with a {@link
 * Backoff} between attempts on a {@link ScheduledExecutorService}, until it succeeds, fails for
 * good, runs out of its time budget, or the session closes. The backend's {@link ErrorClassifier}
 * decides what is worth retrying: {@link ErrorClass#RETRYABLE} and {@link
 * ErrorClass#OUTCOME_UNKNOWN} are tried again (the attempt is told when an earlier one's outcome is
 * unknown, so it can look before it repeats a change), {@link ErrorClass#FATAL} fails the caller.
 *
 * <p>Immutable: {@link #within}, {@link #classifying} and {@link #failingWith} return a variant for
 * one kind of operation.
 */
public final class Retrier {
  private static final Logger log = LoggerFactory.getLogger(Retrier.class);

  /** One attempt: its number (from 1) and whether an earlier attempt's outcome is unknown. */
  public record Attempt(int number, boolean earlierOutcomeUnknown) {}

  private final ScheduledExecutorService scheduler;
  private final ErrorClassifier classifier;
  private final Backoff backoff;
  private final BooleanSupplier closed;
  private final Supplier<? extends RuntimeException> closedError;
  private final BiFunction<String, Throwable, ? extends Throwable> fatal;
  private final Optional<Duration> budget;
  private final BiFunction<String, Throwable, ? extends Throwable> timeUp;

  /**
   * @param closed whether the session is closed: no attempt starts then, and a failure completes
   *     the caller with {@code closedError} rather than being retried
   */
  public Retrier(
      ScheduledExecutorService scheduler,
      ErrorClassifier classifier,
      Backoff backoff,
      BooleanSupplier closed,
      Supplier<? extends RuntimeException> closedError) {
    this(
        scheduler,
        classifier,
        backoff,
        closed,
        closedError,
        (what, e) -> e,
        Optional.empty(),
        (what, e) -> e);
  }

  private Retrier(
      ScheduledExecutorService scheduler,
      ErrorClassifier classifier,
      Backoff backoff,
      BooleanSupplier closed,
      Supplier<? extends RuntimeException> closedError,
      BiFunction<String, Throwable, ? extends Throwable> fatal,
      Optional<Duration> budget,
      BiFunction<String, Throwable, ? extends Throwable> timeUp) {
    this.scheduler = scheduler;
    this.classifier = classifier;
    this.backoff = backoff;
    this.closed = closed;
    this.closedError = closedError;
    this.fatal = fatal;
    this.budget = budget;
    this.timeUp = timeUp;
  }

  /**
   * This retrier, giving up when the next attempt would start later than {@code budget} after the
   * first: the caller then fails with {@code timeUp(what, lastError)}.
   */
  public Retrier within(
      Duration budget, BiFunction<String, Throwable, ? extends Throwable> timeUp) {
    return new Retrier(
        scheduler, classifier, backoff, closed, closedError, fatal, Optional.of(budget), timeUp);
  }

  /**
   * This retrier, with {@code classifier} for one kind of request (e.g. a write, which retries
   * less).
   */
  public Retrier classifying(ErrorClassifier classifier) {
    return new Retrier(scheduler, classifier, backoff, closed, closedError, fatal, budget, timeUp);
  }

  /**
   * This retrier, failing the caller with {@code fatal(what, error)} on a failure that is not
   * retried.
   */
  public Retrier failingWith(BiFunction<String, Throwable, ? extends Throwable> fatal) {
    return new Retrier(scheduler, classifier, backoff, closed, closedError, fatal, budget, timeUp);
  }

  /** The pause between attempts, for a backend's own loops (a watch, a session being created). */
  public Backoff backoff() {
    return backoff;
  }

  /**
   * Runs {@code attempt} until it needs no retry; {@code what} names the operation in logs and
   * errors.
   */
  public <T> CompletableFuture<T> retry(
      String what, Function<Attempt, CompletableFuture<T>> attempt) {
    CompletableFuture<T> result = new CompletableFuture<>();
    long giveUpAt = budget.map(b -> System.nanoTime() + b.toNanos()).orElse(Long.MAX_VALUE);
    run(what, attempt, new Attempt(1, false), giveUpAt, result);
    return result;
  }

  private <T> void run(
      String what,
      Function<Attempt, CompletableFuture<T>> attempt,
      Attempt a,
      long giveUpAt,
      CompletableFuture<T> result) {
    if (result.isDone()) {
      return; // the caller gave up, or the session failed it
    }
    if (closed.getAsBoolean()) {
      result.completeExceptionally(closedError.get());
      return;
    }
    CompletableFuture<T> f;
    try {
      f = attempt.apply(a);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete(
        (value, error) -> {
          if (error == null) {
            result.complete(value);
            return;
          }
          Throwable e = ErrorClassifier.unwrap(error);
          if (closed.getAsBoolean()) {
            result.completeExceptionally(closedError.get());
            return;
          }
          ErrorClass kind = classifier.classify(e);
          if (kind == ErrorClass.FATAL) {
            result.completeExceptionally(fatal.apply(what, e));
            return;
          }
          Duration delay = backoff.delay(a.number());
          if (budget.isPresent() && System.nanoTime() + delay.toNanos() - giveUpAt > 0) {
            result.completeExceptionally(timeUp.apply(what, e));
            return;
          }
          if (a.number() % 10 == 0) {
            log.warn(
                "{}: still failing after {} attempts, retrying: {}",
                what,
                a.number(),
                e.toString());
          } else {
            log.debug(
                "{}: attempt {} failed, retrying in {} ms: {}",
                what,
                a.number(),
                delay.toMillis(),
                e.toString());
          }
          Attempt next =
              new Attempt(
                  a.number() + 1, a.earlierOutcomeUnknown() || kind == ErrorClass.OUTCOME_UNKNOWN);
          try {
            scheduler.schedule(
                () -> run(what, attempt, next, giveUpAt, result),
                delay.toNanos(),
                TimeUnit.NANOSECONDS);
          } catch (RejectedExecutionException closing) {
            result.completeExceptionally(closedError.get());
          }
        });
  }
}
