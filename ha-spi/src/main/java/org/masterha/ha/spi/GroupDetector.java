package org.masterha.ha.spi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;

/**
 * The detector every backend gets: a view of its session's {@link SharedDetection} (Mesos' leader
 * rule applied to each new member set, one read per change for all of the session's detectors),
 * handing out answers on the caller's executor. Epochs never go back: the shared detection never
 * reports one lower than it already has.
 */
public final class GroupDetector implements Detector {
  /** The detector's life. */
  enum State {
    /** Made, never asked: it holds nothing of the shared detection. */
    NEW,
    /**
     * Asked at least once: it keeps the shared detection running until closed, as a follower needs.
     */
    FOLLOWING,
    /** Closed: pending detections were cancelled, new ones fail. */
    CLOSED
  }

  private final SharedDetection detection;
  private final CallbackExecutor callbacks;
  private final Object lock = new Object();
  private final Set<CompletableFuture<Optional<Leader>>> pending = new HashSet<>();
  private State state = State.NEW;
  private Runnable release;

  /** A detector with a detection of its own, answering on the thread that learns the answer. */
  public GroupDetector(Group group) {
    this(new SharedDetection(group), CallbackExecutor.direct());
  }

  /** A detector sharing {@code detection}, answering on {@code callbacks}. */
  public GroupDetector(SharedDetection detection, CallbackExecutor callbacks) {
    this.detection = detection;
    this.callbacks = callbacks;
  }

  /**
   * Cancelling the returned future withdraws this detection; closing the detector cancels every
   * pending one.
   */
  @Override
  public CompletableFuture<Optional<Leader>> detect(Optional<Leader> previous) {
    synchronized (lock) {
      if (state == State.CLOSED) {
        return callbacks.relay(
            CompletableFuture.failedFuture(new CancellationException("detector closed")));
      }
      if (state == State.NEW) {
        state = State.FOLLOWING;
        release = detection.hold();
      }
    }
    CompletableFuture<Optional<Leader>> inner = detection.detect(previous);
    boolean closedMeanwhile;
    synchronized (lock) {
      closedMeanwhile = state == State.CLOSED;
      if (!closedMeanwhile) {
        pending.add(inner);
      }
    }
    if (closedMeanwhile) {
      detection.forget(inner);
      inner.completeExceptionally(new CancellationException("detector closed"));
    }
    inner.whenComplete(
        (l, e) -> {
          synchronized (lock) {
            pending.remove(inner);
          }
        });
    CompletableFuture<Optional<Leader>> answer = callbacks.relay(inner);
    answer.whenComplete(
        (l, e) -> {
          if (e instanceof CancellationException && !inner.isDone()) {
            detection.forget(inner);
            inner.cancel(false);
          }
        });
    return answer;
  }

  @Override
  public void close() {
    List<CompletableFuture<Optional<Leader>>> cancelled;
    Runnable r;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      cancelled = new ArrayList<>(pending);
      pending.clear();
      r = release;
    }
    if (r != null) {
      r.run();
    }
    for (CompletableFuture<Optional<Leader>> f : cancelled) {
      detection.forget(f);
      f.completeExceptionally(new CancellationException("detector closed"));
    }
  }
}
