package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;

/**
 * Callers' callbacks run on their executor, never on a thread the backend needs (issue 11): a
 * backend completes futures on its event and I/O threads, which also run the liveness deadline, so
 * a caller that blocks in a callback there would delay its own {@code lost()} past the moment
 * another master is elected (rule 2).
 */
public interface CallbackContract extends FixtureAccess {
  /**
   * Callbacks that block for longer than the session timeout, on {@code elected()}, on detector
   * answers, in a {@code follow} listener and on {@code cancelled()}, on the leader's session and
   * on the standby's: the leader keeps its session while they block, a cut leader still learns it
   * lost within the loss bound and before the standby is elected, and the standby, blocked callback
   * and all, is elected.
   */
  @Test
  default void callbacksThatBlockDelayNeitherTheirOwnLostNorAnyOtherSession() throws Exception {
    FaultInjector cut = assumeFault(Fault.CUT_CONNECTION);
    Duration lossBound = testSessionTimeout().plus(testSessionTimeout().dividedBy(2));
    Contender first = contender(connect(), masterInfo("first", 5049));
    Candidacy c0 = await(first.contend());
    await(c0.elected());
    TestClient x = connect();
    Candidacy c1 = await(contender(x, masterInfo("blocking", 5050)).contend());
    TestClient y = connect();
    Candidacy c2 = await(contender(y, masterInfo("standby", 5051)).contend());
    Detector dx = detector(x);
    Detector dy = detector(y);
    Optional<Leader> seenByX = await(dx.detect());
    Optional<Leader> seenByY = await(dy.detect());
    assertThat(seenByX).map(Leader::membership).contains(c0.membership());

    // Each blocking callback waits for the end of the test, much longer than the session timeout.
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(4);
    closeAfterTest(release::countDown);
    Runnable block =
        () -> {
          blocking.countDown();
          try {
            release.await(deadline().toNanos(), TimeUnit.NANOSECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    // All registered while pending, so that they run on whatever thread completes them.
    c1.elected().whenComplete((l, e) -> block.run());
    dx.detect(seenByX).whenComplete((l, e) -> block.run());
    dy.detect(seenByY).whenComplete((l, e) -> block.run());
    closeAfterTest(
        detector(x)
            .follow(
                leader -> {
                  if (leader.isPresent() && leader.get().membership().equals(c1.membership())) {
                    block.run();
                  }
                }));
    c1.membership().cancelled().whenComplete((v, e) -> block.run());
    // Asked when the standby learns it leads: by then the blocking leader must know it lost.
    CompletableFuture<Boolean> lostAtStandbysElection =
        c2.elected().handle((l, e) -> c1.lost().isDone());

    await(first.withdraw());
    await("election of the blocking leader", c1.elected());
    awaitUntil("the four callbacks block", () -> blocking.getCount() == 0);
    assertThat(c1.isLeader()).as("isLeader() of the leader whose callbacks block").isTrue();
    assertPendingFor(
        lossBound,
        "loss of a leader whose callbacks block but whose session is sound",
        c1.lost(),
        c2.elected());

    long cutAt = System.nanoTime();
    cut.inject(x);
    try {
      await("lost() of the cut leader whose callbacks block", c1.lost());
      assertThat(Duration.ofNanos(System.nanoTime() - cutAt))
          .as("cut to lost() of the leader whose callbacks block (rule 2)")
          .isLessThanOrEqualTo(lossBound);
      await("election of the standby whose own detection callback blocks", c2.elected());
      assertThat(await(lostAtStandbysElection))
          .as("the blocking leader had lost when the standby was elected (rule 2)")
          .isTrue();
    } finally {
      cut.heal(x);
      release.countDown();
    }
  }
}
