package org.masterha.ha.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.EpochGuard;
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
 * listeners, so a lagging view can't make any of them go back in time. A lower epoch that every
 * listing shows for a whole session timeout is a store that went back in time (wiped, re-created,
 * restored from a backup): it then starts a new epoch line with an error in the log, rather than
 * hide every new leader for ever (see {@link EpochGuard}). It runs while someone is waiting for an
 * answer or {@linkplain #hold holds} it, and stops at its next turn when no one does: it then
 * forgets the leader it knew (it could be stale by the time someone asks again) but not the highest
 * epoch.
 *
 * <p>Per change of the member set it costs the group's own watch and at most one read: the data of
 * the member that leads now, and only when that member is one it has not read before. A member's
 * data is written once, when it joins, so what was read (a {@code MasterInfo}, or garbage that can
 * never lead) is kept for as long as the member is listed: a change that leaves the leader where it
 * was (a contender joining or leaving behind it) costs no read at all.
 *
 * <p>{@link #of(Group)} hands out the detection a group keeps for itself ({@link Shared}), so every
 * role made on a session (the kit's wrapper, or a backend's bare session through {@code
 * HaSession}'s default methods) shares it, as long as the backend hands out one instance per group
 * path.
 */
public final class SharedDetection {
  private static final Logger log = LoggerFactory.getLogger(SharedDetection.class);

  /**
   * The default session timeout (as {@code HaConfig}'s, which this package does not import): how
   * long an epoch regress must last to be taken for real by a detection made without one.
   */
  private static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

  /** Past the confirmation period, so the re-read confirms a regress that lasted. */
  private static final long RECHECK_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /**
   * A group that keeps the one detection every role made on it shares (a backend's group holds a
   * {@link SharedDetection} field, made on first use with its session's timeout).
   */
  public interface Shared {
    SharedDetection detection();
  }

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

  /** Waiting detections, by their future, with the leader each was told last. */
  private final Map<CompletableFuture<Optional<Leader>>, Optional<Leader>> pending =
      new LinkedHashMap<>();

  /**
   * What each member listed in the last evaluation holds: its data decoded, or {@link
   * LeaderRule#GARBAGE}. Read once per member; members no longer listed are dropped.
   */
  private final Map<Membership, Object> verdicts = new ConcurrentHashMap<>();

  private State state = State.IDLE;

  /** Which run of the loop is the live one; a stopped run's late answers are dropped. */
  private long run;

  private int holds;

  /** null until the live run has evaluated its first listing. */
  private Optional<Leader> current;

  private final EpochGuard epochs;

  /** Whether a re-read is scheduled to confirm or end an epoch regress. */
  private boolean recheckScheduled;

  private Throwable failure;

  private volatile SessionEvents events = SessionEvents.NONE;

  /**
   * The leader last reported to {@link #events}: kept when the detection stops and starts again, so
   * a restart that finds the same leader is no change.
   */
  private Optional<Leader> reported;

  /** A detection that takes an epoch regress lasting the default session timeout for real. */
  public SharedDetection(Group group) {
    this(group, DEFAULT_SESSION_TIMEOUT);
  }

  /**
   * A detection that takes an epoch regress lasting {@code sessionTimeout} for a store gone back in
   * time.
   */
  public SharedDetection(Group group, Duration sessionTimeout) {
    this.group = group;
    this.epochs = new EpochGuard(sessionTimeout);
  }

  /**
   * The detection every role made on {@code group} shares: the one the group keeps when it is
   * {@link Shared}, else a new one taking a regress lasting {@code sessionTimeout} for real.
   */
  public static SharedDetection of(Group group, Duration sessionTimeout) {
    return group instanceof Shared shared
        ? shared.detection()
        : new SharedDetection(group, sessionTimeout);
  }

  /**
   * For a {@link Shared} group's field: its detection, made on first use with its session's timeout
   * ({@code private final Supplier<SharedDetection> detection = SharedDetection.lazily(this, () ->
   * session.config().sessionTimeout());}).
   */
  public static Supplier<SharedDetection> lazily(Group group, Supplier<Duration> sessionTimeout) {
    return new Supplier<>() {
      private SharedDetection made;

      @Override
      public synchronized SharedDetection get() {
        if (made == null) {
          made = new SharedDetection(group, sessionTimeout.get());
        }
        return made;
      }
    };
  }

  public Group group() {
    return group;
  }

  /**
   * Reports each leader change, and how long it took to answer, to {@code events} (the session's);
   * returns this detection.
   */
  public SharedDetection observedBy(SessionEvents events) {
    this.events = java.util.Objects.requireNonNull(events, "events");
    return this;
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
        pending.put(f, previous);
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
      pending.remove(future);
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
    long listedAt = System.nanoTime();
    LeaderRule.leader(group, members, warned, verdicts)
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
                publish(r, outcome.leader(), listedAt);
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

  private void publish(long r, Optional<Leader> observed, long listedAt) {
    List<CompletableFuture<Optional<Leader>>> ready = new ArrayList<>();
    Optional<Leader> leader;
    boolean recheck = false;
    boolean changed = false;
    synchronized (lock) {
      if (state != State.RUNNING || run != r) {
        return;
      }
      leader = observed.isPresent() ? judge(observed.get()) : observed;
      if (leader == null) {
        // A lower epoch, refused for now: read again when it would be confirmed, as the watch may
        // not fire if the store stays as it is.
        recheck = !recheckScheduled;
        recheckScheduled = true;
      } else if (!leader.equals(current)) {
        current = leader;
        changed = !leader.equals(reported);
        reported = leader;
        for (Iterator<Map.Entry<CompletableFuture<Optional<Leader>>, Optional<Leader>>> it =
                pending.entrySet().iterator();
            it.hasNext(); ) {
          Map.Entry<CompletableFuture<Optional<Leader>>, Optional<Leader>> p = it.next();
          if (!p.getValue().equals(leader)) {
            ready.add(p.getKey());
            it.remove();
          }
        }
      }
    }
    if (recheck) {
      scheduleRecheck(r);
    }
    for (CompletableFuture<Optional<Leader>> f : ready) {
      f.complete(leader);
    }
    if (changed) {
      SessionEvents e = events;
      e.leaderChanged(
          group.path(), leader.map(l -> OptionalLong.of(l.epoch())).orElse(OptionalLong.empty()));
      e.notified(group.path(), System.nanoTime() - listedAt);
    }
  }

  /**
   * The leader to report for {@code l} (on the current epoch line), or null when its epoch is below
   * one already reported and the regress is not confirmed. Called holding the lock.
   */
  private Optional<Leader> judge(Leader l) {
    long highest = epochs.highest();
    boolean wasRegressing = epochs.regressing();
    switch (epochs.offer(l.epoch(), System.nanoTime())) {
      case REFUSE -> {
        if (!wasRegressing) {
          log.warn(
              "Ignoring {} in {}: epoch {} is older than epoch {} already reported (a lagging view;"
                  + " if every listing shows it for a session timeout, the store went back in time"
                  + " and a new epoch line starts)",
              l,
              group.path(),
              l.epoch(),
              highest);
        }
        return null;
      }
      case NEW_LINE ->
          log.error(
              "The store behind {} went back in time: its leader has epoch {}, below epoch {}"
                  + " reported before, on every listing for a session timeout. It was wiped, its"
                  + " base path re-created, or it was restored from a backup. Starting epoch line {}"
                  + " with {}: epochs compare only within a line, and anything that keeps the"
                  + " highest epoch it has seen must start again from this one.",
              group.path(),
              l.epoch(),
              highest,
              epochs.line(),
              l);
      case ACCEPT -> {}
    }
    return Optional.of(l.onLine(epochs.line()));
  }

  /**
   * Reads the group again once a refused regress would be confirmed, and publishes what it finds;
   * again and again while the regress lasts unconfirmed. The watch loop goes on beside it.
   */
  private void scheduleRecheck(long r) {
    long delay;
    synchronized (lock) {
      delay = epochs.nanosToConfirm(System.nanoTime()) + RECHECK_MARGIN_NANOS;
    }
    CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS)
        .execute(
            () -> {
              synchronized (lock) {
                recheckScheduled = false;
              }
              if (!isLive(r)) {
                return;
              }
              group
                  .members()
                  .thenCompose(members -> LeaderRule.leader(group, members, warned, verdicts))
                  .whenComplete(
                      (outcome, e) -> {
                        if (e == null && !outcome.stale()) {
                          publish(r, outcome.leader(), System.nanoTime());
                        }
                      });
            });
  }

  private void fail(long r, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    List<CompletableFuture<Optional<Leader>>> failed;
    synchronized (lock) {
      if (state != State.RUNNING || run != r) {
        return;
      }
      state = State.FAILED;
      failure = cause;
      current = null;
      failed = new ArrayList<>(pending.keySet());
      pending.clear();
    }
    if (cause instanceof SessionClosedException) {
      // The session was closed on purpose: every detection of it ends, and that is no error.
      log.debug("Leader detection on {} ended: {}", group.path(), cause.toString());
    } else {
      log.error("Leader detection on {} failed: {}", group.path(), cause.toString());
    }
    failed.forEach(f -> f.completeExceptionally(cause));
  }
}
