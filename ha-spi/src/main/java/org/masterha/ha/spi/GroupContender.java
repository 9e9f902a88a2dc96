package org.masterha.ha.spi;

import org.masterha.ha.leader.Leader;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.CandidacyLostException;
import org.masterha.ha.leader.Candidacy;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;

/**
 * The contender every backend gets: a candidacy is a {@code json.info} member holding the master's MasterInfo as
 * Mesos JSON, so a Mesos master and a masterha master can stand in the same group. Its {@code lost} is the
 * membership's {@code cancelled}, which the backend completes before the store could elect anyone else.
 */
public final class GroupContender implements Contender {
  private final Group group;
  private final MasterInfo info;
  private final Object lock = new Object();
  private CompletableFuture<Candidacy> current;

  public GroupContender(Group group, MasterInfo info) {
    this.group = group;
    this.info = info;
  }

  @Override
  public CompletableFuture<Candidacy> contend() {
    synchronized (lock) {
      if (current != null && !(current.isDone() && (current.isCompletedExceptionally() || current.join().lost().isDone()))) {
        return CompletableFuture.failedFuture(new IllegalStateException("already contending in " + group.path() + "; withdraw first"));
      }
      current = group.join(MasterInfoCodec.toJson(info), Optional.of(MasterInfoCodec.JSON_LABEL))
          .thenApply(m -> new GroupCandidacy(group, m));
      return current;
    }
  }

  @Override
  public CompletableFuture<Boolean> withdraw() {
    CompletableFuture<Candidacy> c;
    synchronized (lock) {
      c = current;
    }
    if (c == null) {
      return CompletableFuture.completedFuture(false);
    }
    return c.handle((candidacy, e) -> candidacy)
        .thenCompose(candidacy -> candidacy == null || candidacy.lost().isDone()
            ? CompletableFuture.completedFuture(false)
            : group.cancel(candidacy.membership()));
  }

  private static final class GroupCandidacy implements Candidacy {
    private final Group group;
    private final Membership membership;
    private final CompletableFuture<Void> lost;
    private CompletableFuture<Leader> elected;

    GroupCandidacy(Group group, Membership membership) {
      this.group = group;
      this.membership = membership;
      this.lost = membership.cancelled().thenApply(x -> null);
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
        e = elected;
      }
      return e != null && e.isDone() && !e.isCompletedExceptionally() && membership.isHeld();
    }

    @Override
    public synchronized CompletableFuture<Leader> elected() {
      if (elected == null) {
        elected = new CompletableFuture<>();
        GroupDetector detector = new GroupDetector(group);
        lost.thenRun(() -> elected.completeExceptionally(new CandidacyLostException(
            "candidacy " + membership.id() + " in " + group.path() + " was lost before it was elected")));
        elected.whenComplete((l, e) -> detector.close());
        follow(detector, Optional.empty());
      }
      return elected;
    }

    private void follow(Detector detector, Optional<Leader> previous) {
      detector.detect(previous).whenComplete((leader, e) -> {
        if (e != null) {
          elected.completeExceptionally(e);
        } else if (leader.isPresent() && leader.get().membership().equals(membership)) {
          elected.complete(leader.get());
        } else if (!elected.isDone()) {
          follow(detector, leader);
        }
      });
    }
  }
}
