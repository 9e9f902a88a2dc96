package org.masterha.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.leader.LeaderListener;

/**
 * Follows a detector with {@link Detector#follow} (the way a Mesos agent follows its master) and
 * records every answer with the monotonic time it arrived, so a test can check the whole history
 * (no going back in epoch, no leader it should not have seen) and wait for a particular answer
 * without polling.
 *
 * <p>{@code follow} starts from "no leader", so the history starts with the first leader seen.
 */
public final class LeaderFollower implements AutoCloseable {
  /** One answer of the detector. */
  public record Observation(Optional<Leader> leader, long atNanos) {}

  private record Waiter(
      Predicate<Optional<Leader>> condition, CompletableFuture<Optional<Leader>> future) {}

  private final Detector detector;
  private Detector.Following following;
  private final Object lock = new Object();
  private final List<Observation> history = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Throwable failure;
  private boolean closed;

  private LeaderFollower(Detector detector) {
    this.detector = detector;
  }

  /** Starts following; closing the follower closes {@code detector}. */
  public static LeaderFollower follow(Detector detector) {
    LeaderFollower f = new LeaderFollower(detector);
    Detector.Following following =
        detector.follow(
            new LeaderListener() {
              @Override
              public void leaderChanged(Optional<Leader> leader) {
                f.record(leader);
              }

              @Override
              public void detectionFailed(Throwable cause) {
                f.failed(cause);
              }
            });
    synchronized (f.lock) {
      f.following = following;
    }
    return f;
  }

  private void record(Optional<Leader> leader) {
    List<Waiter> ready = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      history.add(new Observation(leader, System.nanoTime()));
      waiters.removeIf(
          w -> {
            if (w.condition.test(leader)) {
              ready.add(w);
              return true;
            }
            return false;
          });
    }
    ready.forEach(w -> w.future.complete(leader));
  }

  private void failed(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    List<Waiter> failedWaiters;
    synchronized (lock) {
      if (closed && cause instanceof CancellationException) {
        return;
      }
      failure = cause;
      failedWaiters = new ArrayList<>(waiters);
      waiters.clear();
    }
    failedWaiters.forEach(w -> w.future.completeExceptionally(cause));
  }

  /**
   * Completes with the latest answer once it satisfies {@code condition}: at once if the latest
   * answer already does, else with the first later answer that does.
   */
  public CompletableFuture<Optional<Leader>> until(Predicate<Optional<Leader>> condition) {
    CompletableFuture<Optional<Leader>> f = new CompletableFuture<>();
    synchronized (lock) {
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      if (!history.isEmpty() && condition.test(history.get(history.size() - 1).leader())) {
        f.complete(history.get(history.size() - 1).leader());
        return f;
      }
      waiters.add(new Waiter(condition, f));
    }
    return f;
  }

  /** Completes with the next answer the detector gives, whatever it is. */
  public CompletableFuture<Optional<Leader>> nextAnswer() {
    CompletableFuture<Optional<Leader>> f = new CompletableFuture<>();
    synchronized (lock) {
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      waiters.add(new Waiter(l -> true, f));
    }
    return f;
  }

  /** Every answer so far, oldest first. */
  public List<Observation> history() {
    synchronized (lock) {
      return List.copyOf(history);
    }
  }

  /** The leaders answered so far, oldest first (the "no leader" answers left out). */
  public List<Leader> leaders() {
    return history().stream().flatMap(o -> o.leader().stream()).toList();
  }

  /** The latest answer, or empty when there is none yet. */
  public Optional<Optional<Leader>> latest() {
    synchronized (lock) {
      return history.isEmpty()
          ? Optional.empty()
          : Optional.of(history.get(history.size() - 1).leader());
    }
  }

  /** Why detection failed, if it did. */
  public Optional<Throwable> failure() {
    synchronized (lock) {
      return Optional.ofNullable(failure);
    }
  }

  @Override
  public void close() {
    List<Waiter> cancelled;
    Detector.Following f;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      cancelled = new ArrayList<>(waiters);
      waiters.clear();
      f = following;
    }
    f.close();
    detector.close();
    cancelled.forEach(w -> w.future.cancel(false));
  }

  @Override
  public String toString() {
    return "LeaderFollower"
        + history().stream()
            .map(o -> o.leader().map(Leader::toString).orElse("no leader"))
            .toList();
  }
}
