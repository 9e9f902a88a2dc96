package org.masterha.ha.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Leader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's detection of the leader of one group, shared by every detector, follower and
 * candidacy made from that session: one watch of the member set and one evaluation of Mesos' leader
 * rule (one read of the leading member's data) per change, however many of them are listening. It
 * follows the member set with {@code watch}, passing the set it last saw so no change is missed.
 *
 * <p>Its futures complete on the backend's threads: it is the kit's inside. What callers get goes
 * through a {@link CallbackExecutor} ({@link GroupDetector}, {@link GroupContender}).
 *
 * <p>It keeps the highest epoch it has reported and never reports a lower one, for all of its
 * listeners, so a lagging view can't make any of them go back in time. It runs while someone is
 * waiting for an answer or {@linkplain #hold holds} it, and stops at its next turn when no one
 * does: it then forgets the leader it knew (it could be stale by the time someone asks again) but
 * not the highest epoch.
 */
public final class SharedDetection {
  private static final Logger log = LoggerFactory.getLogger(SharedDetection.class);

  /** The detection's life. */
  enum State {
    /** Not following the group: nothing is known about the leader. */
    IDLE,
    /**
     * Following the group; {@code current} is the leader as of the last listing evaluated (null
     * before it).
     */
    RUNNING,
    /** Detection failed for good (the session was closed): every detection fails with the cause. */
    FAILED
  }

  private final Group group;
  private final Object lock = new Object();
  private final Set<Membership> warned = ConcurrentHashMap.newKeySet();
  private final List<Pending> pending = new ArrayList<>();
  private State state = State.IDLE;

  /** Which run of the loop is the live one; a stopped run's late answers are dropped. */
  private long run;

  private int holds;

  /** null until the live run has evaluated its first listing. */
  private Optional<Leader> current;

  private long highestEpoch = -1;
  private Throwable failure;

  private record Pending(Optional<Leader> previous, CompletableFuture<Optional<Leader>> future) {}

  public SharedDetection(Group group) {
    this.group = group;
  }

  public Group group() {
    return group;
  }

  /**
   * Completes at once when the leader known now differs from {@code previous}, else with the next
   * leader that does; on the backend's thread. Fails when detection failed for good.
   */
  public CompletableFuture<Optional<Leader>> detect(Optional<Leader> previous) {
    CompletableFuture<Optional<Leader>> f = new CompletableFuture<>();
    Optional<Leader> answer = null;
    Throwable failed = null;
    long start = -1;
    synchronized (lock) {
      if (state == State.FAILED) {
        failed = failure;
      } else if (current != null && !current.equals(previous)) {
        answer = current;
      } else {
        pending.add(new Pending(previous, f));
        if (state == State.IDLE) {
          state = State.RUNNING;
          start = ++run;
        }
      }
    }
    if (failed != null) {
      f.completeExceptionally(failed);
    } else if (answer != null) {
      f.complete(answer);
    }
    if (start >= 0) {
      long r = start;
      group.members().whenComplete((members, e) -> onMembers(r, members, e));
    }
    return f;
  }

  /** Withdraws a detection still pending (its detector was closed, its caller gave up). */
  public void forget(CompletableFuture<Optional<Leader>> future) {
    synchronized (lock) {
      pending.removeIf(p -> p.future == future);
    }
  }

  /**
   * Keeps the detection running between detections, for one that follows every change (a detector,
   * a candidacy waiting to be elected), so that it does not stop and start again between answers.
   * Run the returned action once to release the hold.
   */
  public Runnable hold() {
    synchronized (lock) {
      holds++;
    }
    boolean[] released = {false};
    return () -> {
      synchronized (lock) {
        if (!released[0]) {
          released[0] = true;
          holds--;
        }
      }
    };
  }

  private void onMembers(long r, Set<Membership> members, Throwable error) {
    if (error != null) {
      fail(r, error);
      return;
    }
    if (!isLive(r)) {
      return;
    }
    LeaderRule.leader(group, members, warned)
        .whenComplete(
            (outcome, e) -> {
              if (e != null) {
                fail(r, e);
                return;
              }
              // A stale "no leader" is never published: it may be false (a newer member may lead),
              // and a master that
              // leads and detects no leader exits. The listing changed, so the watch below answers
              // at once.
              if (!outcome.stale()) {
                publish(r, outcome.leader());
              }
              if (carryOn(r)) {
                group.watch(members).whenComplete((next, e2) -> onMembers(r, next, e2));
              }
            });
  }

  private boolean isLive(long r) {
    synchronized (lock) {
      return state == State.RUNNING && run == r;
    }
  }

  /** Whether run {@code r} watches on; stops it when no one waits or holds. */
  private boolean carryOn(long r) {
    synchronized (lock) {
      if (state != State.RUNNING || run != r) {
        return false;
      }
      if (holds == 0 && pending.isEmpty()) {
        state = State.IDLE;
        current = null;
        return false;
      }
      return true;
    }
  }

  private void publish(long r, Optional<Leader> leader) {
    List<Pending> ready = new ArrayList<>();
    synchronized (lock) {
      if (state != State.RUNNING || run != r) {
        return;
      }
      if (leader.isPresent() && leader.get().epoch() < highestEpoch) {
        log.warn(
            "Ignoring {} in {}: epoch {} is older than epoch {} already reported",
            leader.get(),
            group.path(),
            leader.get().epoch(),
            highestEpoch);
        return;
      }
      if (leader.equals(current)) {
        return;
      }
      current = leader;
      leader.ifPresent(l -> highestEpoch = l.epoch());
      pending.removeIf(
          p -> {
            if (!p.previous.equals(leader)) {
              ready.add(p);
              return true;
            }
            return false;
          });
    }
    ready.forEach(p -> p.future.complete(leader));
  }

  private void fail(long r, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    List<Pending> failed;
    synchronized (lock) {
      if (state != State.RUNNING || run != r) {
        return;
      }
      state = State.FAILED;
      failure = cause;
      current = null;
      failed = new ArrayList<>(pending);
      pending.clear();
    }
    if (cause instanceof SessionClosedException) {
      // The session was closed on purpose: every detection of it ends, and that is no error.
      log.debug("Leader detection on {} ended: {}", group.path(), cause.toString());
    } else {
      log.error("Leader detection on {} failed: {}", group.path(), cause.toString());
    }
    failed.forEach(p -> p.future.completeExceptionally(cause));
  }
}
