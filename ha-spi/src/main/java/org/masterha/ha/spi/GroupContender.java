package org.masterha.ha.spi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.CandidacyLostException;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;

/**
 * The contender every backend gets: a candidacy is a {@code json.info} member holding the master's
 * MasterInfo as Mesos JSON, so a Mesos master and a masterha master can stand in the same group.
 * Its {@code lost} is the membership's {@code cancelled}, which the backend completes before the
 * store could elect anyone else; its {@code elected} follows the session's {@link SharedDetection}
 * rather than a detector of its own.
 *
 * <p>{@code lost} and {@code elected} are completed inside the kit, on the backend's thread, and
 * handed out as read-only views whose callers' actions run on the {@link CallbackExecutor}: a
 * caller blocking in one never holds up the thread that completes {@code lost}.
 */
public final class GroupContender implements Contender {
  private final Group group;
  private final MasterInfo info;
  private final SharedDetection detection;
  private final CallbackExecutor callbacks;
  private final SessionEvents events;
  private final Object lock = new Object();
  private CompletableFuture<GroupCandidacy> current;

  /** A contender with a detection of its own, completing on the backend's threads. */
  public GroupContender(Group group, MasterInfo info) {
    this(group, info, new SharedDetection(group), CallbackExecutor.direct(), SessionEvents.NONE);
  }

  /** A contender in {@code detection}'s group that learns it leads from {@code detection}. */
  public GroupContender(MasterInfo info, SharedDetection detection, CallbackExecutor callbacks) {
    this(info, detection, callbacks, SessionEvents.NONE);
  }

  /**
   * A contender in {@code detection}'s group that learns it leads from {@code detection} and
   * reports its candidacies' registration, election and loss to {@code events}.
   */
  public GroupContender(
      MasterInfo info,
      SharedDetection detection,
      CallbackExecutor callbacks,
      SessionEvents events) {
    this(detection.group(), info, detection, callbacks, events);
  }

  private GroupContender(
      Group group,
      MasterInfo info,
      SharedDetection detection,
      CallbackExecutor callbacks,
      SessionEvents events) {
    this.group = group;
    this.info = info;
    this.detection = detection;
    this.callbacks = callbacks;
    this.events = events;
  }

  @Override
  public CompletableFuture<Candidacy> contend() {
    synchronized (lock) {
      if (current != null
          && !(current.isDone()
              && (current.isCompletedExceptionally() || current.join().lostInside.isDone()))) {
        return callbacks.relay(
            CompletableFuture.failedFuture(
                new IllegalStateException(
                    "already contending in " + group.path() + "; withdraw first")));
      }
      current =
          group
              .join(MasterInfoCodec.toJson(info), Optional.of(MasterInfoCodec.JSON_LABEL))
              .thenApply(m -> new GroupCandidacy(m));
      return callbacks.relay(current.thenApply(c -> (Candidacy) c));
    }
  }

  @Override
  public CompletableFuture<Boolean> withdraw() {
    CompletableFuture<GroupCandidacy> c;
    synchronized (lock) {
      c = current;
    }
    if (c == null) {
      return callbacks.relay(CompletableFuture.completedFuture(false));
    }
    return callbacks.relay(
        c.handle((candidacy, e) -> candidacy)
            .thenCompose(
                candidacy ->
                    candidacy == null || candidacy.lostInside.isDone()
                        ? CompletableFuture.completedFuture(false)
                        : group.cancel(candidacy.membership)));
  }

  private final class GroupCandidacy implements Candidacy {
    private final Membership membership;

    /** Completed on the backend's thread with the membership's own {@code cancelled}. */
    private final CompletableFuture<Void> lostInside;

    private final CompletableFuture<Void> lost;

    /** null until {@link #elected()} is first asked. */
    private CompletableFuture<Leader> electedInside;

    private CompletableFuture<Leader> elected;

    /** The detection this candidacy waits on, withdrawn once it is decided. */
    private CompletableFuture<Optional<Leader>> waiting;

    GroupCandidacy(Membership owned) {
      this.membership = callbacks.membership(owned);
      this.lostInside = owned.cancelled().thenApply(x -> null);
      this.lost = callbacks.readOnly(lostInside);
      events.candidacyRegistered(group.path(), owned.sequence());
      owned
          .cancelled()
          .whenComplete(
              (byUs, e) ->
                  events.candidacyLost(
                      group.path(), owned.sequence(), Boolean.TRUE.equals(byUs), wasElected()));
    }

    private synchronized boolean wasElected() {
      return electedInside != null
          && electedInside.isDone()
          && !electedInside.isCompletedExceptionally();
    }

    @Override
    public long epoch() {
      return membership.sequence();
    }

    @Override
    public Membership membership() {
      return membership;
    }

    @Override
    public CompletableFuture<Void> lost() {
      return lost;
    }

    @Override
    public boolean isLeader() {
      CompletableFuture<Leader> e;
      synchronized (this) {
        e = electedInside;
      }
      return e != null && e.isDone() && !e.isCompletedExceptionally() && membership.isHeld();
    }

    @Override
    public synchronized CompletableFuture<Leader> elected() {
      if (elected == null) {
        electedInside = new CompletableFuture<>();
        elected = callbacks.readOnly(electedInside);
        Runnable release = detection.hold();
        lostInside.thenRun(
            () ->
                electedInside.completeExceptionally(
                    new CandidacyLostException(
                        "candidacy "
                            + membership.id()
                            + " in "
                            + group.path()
                            + " was lost before it was elected")));
        electedInside.whenComplete(
            (l, e) -> {
              release.run();
              if (e == null) {
                events.elected(group.path(), l.epoch());
              }
              CompletableFuture<Optional<Leader>> w;
              synchronized (this) {
                w = waiting;
              }
              if (w != null && !w.isDone()) {
                detection.forget(w);
              }
            });
        follow(Optional.empty());
      }
      return elected;
    }

    private void follow(Optional<Leader> previous) {
      CompletableFuture<Optional<Leader>> next = detection.detect(previous);
      synchronized (this) {
        waiting = next;
      }
      if (electedInside.isDone()) {
        detection.forget(next);
        return;
      }
      next.whenComplete(
          (leader, e) -> {
            if (e != null) {
              electedInside.completeExceptionally(e);
            } else if (leader.isPresent() && leader.get().membership().equals(membership)) {
              electedInside.complete(leader.get());
            } else if (!electedInside.isDone()) {
              follow(leader);
            }
          });
    }
  }
}
