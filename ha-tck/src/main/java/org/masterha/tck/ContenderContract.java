package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.CandidacyLostException;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;

/**
 * Contending ({@code docs/contract.md}, "Contender"): a candidacy is a {@code json.info} member
 * whose sequence is its epoch; the lowest sequence leads; withdrawing hands over at once (rule 4);
 * at most one leader at a time with increasing epochs (rule 1).
 */
public interface ContenderContract extends FixtureAccess {
  @Test
  default void contendRegistersAJsonInfoCandidacyWhoseEpochIsItsSequence() {
    TestClient a = connect();
    MasterInfo info = masterInfo("a", 5050);
    Candidacy c = await("contend", contender(a, info).contend());
    assertThat(c.epoch()).isEqualTo(c.membership().sequence());
    assertThat(c.membership().label()).contains(MasterInfoCodec.JSON_LABEL);
    assertThat(c.lost()).isNotDone();

    TestClient b = connect();
    awaitUntil(
        "another session lists the candidacy",
        () -> await(b.session().group("").members()).contains(c.membership()));
    byte[] data = await(b.session().group("").data(c.membership())).orElseThrow();
    assertThat(MasterInfoCodec.decode(Optional.of(MasterInfoCodec.JSON_LABEL), data))
        .as("published MasterInfo")
        .isEqualTo(info);
  }

  @Test
  default void firstContenderIsElectedAndDetectedAsLeader() {
    MasterInfo info = masterInfo("first", 5050);
    Candidacy c = await(contender(connect(), info).contend());
    Leader leader = await("elected() of the only contender", c.elected());
    assertThat(leader.membership()).isEqualTo(c.membership());
    assertThat(leader.epoch()).isEqualTo(c.epoch());
    assertThat(leader.info()).isEqualTo(info);

    Optional<Leader> detected =
        await("detection from another session", detector(connect()).detect());
    assertThat(detected)
        .hasValueSatisfying(
            l -> {
              assertThat(l.membership()).isEqualTo(c.membership());
              assertThat(l.epoch()).isEqualTo(c.epoch());
              assertThat(l.info()).isEqualTo(info);
            });
    assertThat(c.lost()).isNotDone();
  }

  @Test
  default void secondContenderIsElectedOnlyAfterTheFirstWithdraws() {
    Contender first = contender(connect(), masterInfo("first", 5050));
    Contender second = contender(connect(), masterInfo("second", 5051));
    Candidacy c1 = await(first.contend());
    await("first elected", c1.elected());
    Candidacy c2 = await(second.contend());
    assertThat(c2.epoch()).isGreaterThan(c1.epoch());

    assertPending(
        "the second's election while the first leads", c2.elected(), c2.lost(), c1.lost());
    assertThat(await(detector(connect()).detect()))
        .map(Leader::membership)
        .contains(c1.membership());

    assertThat(await("withdraw of the leader", first.withdraw())).isTrue();
    await("lost() of the withdrawn leader", c1.lost());
    Leader l2 = await("elected() of the second", c2.elected());
    assertThat(l2.membership()).isEqualTo(c2.membership());
    assertThat(l2.epoch()).isGreaterThan(c1.epoch());
  }

  @Test
  default void withdrawHandsLeadershipOverWithoutWaitingForATimeout() {
    Contender first = contender(connect(), masterInfo("first", 5050));
    Contender second = contender(connect(), masterInfo("second", 5051));
    Candidacy c1 = await(first.contend());
    await(c1.elected());
    Candidacy c2 = await(second.contend());
    assertPending("the second's election while the first leads", c2.elected());

    // Callbacks run on the sessions' executors, after the futures complete: the waits themselves
    // are the clock.
    long start = System.nanoTime();
    first.withdraw();
    await("lost() of the withdrawn leader", c1.lost());
    long lostBy = System.nanoTime();
    await("elected() of the next contender", c2.elected());
    Duration handover = Duration.ofNanos(System.nanoTime() - start);
    assertThat(Duration.ofNanos(lostBy - start)).as("withdraw to lost()").isLessThan(promptBound());
    assertThat(handover)
        .as("withdraw to the next contender's election (no timeout waited for)")
        .isLessThan(promptBound());
  }

  @Test
  default void leaderSessionCloseHandsLeadershipOverWithoutWaitingForATimeout() {
    TestClient leaderClient = connect();
    Candidacy c1 = await(contender(leaderClient, masterInfo("first", 5050)).contend());
    await(c1.elected());
    Candidacy c2 = await(contender(connect(), masterInfo("second", 5051)).contend());
    assertPending("the second's election while the first leads", c2.elected());

    long start = System.nanoTime();
    leaderClient.session().close();
    await("lost() of the leader whose session closed", c1.lost());
    Leader l2 = await("elected() of the next contender", c2.elected());
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("clean close to the next contender's election")
        .isLessThan(promptBound());
    assertThat(l2.epoch()).isGreaterThan(c1.epoch());
  }

  @Test
  default void contendingTwiceWithoutWithdrawingFails() {
    TestClient a = connect();
    Contender contender = contender(a, masterInfo("twice", 5050));
    // Both calls in flight together: the second must be refused even before the first completed.
    CompletableFuture<Candidacy> first = contender.contend();
    CompletableFuture<Candidacy> second = attempt(contender::contend);
    assertThat(awaitFailure("a second contend() while the first is in flight", second))
        .isInstanceOf(IllegalStateException.class);
    Candidacy c = await(first);
    assertThat(
            awaitFailure("a second contend() while the first is live", attempt(contender::contend)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(c.lost()).isNotDone();
    assertThat(await(a.session().group("").members()))
        .as("only the first candidacy is registered")
        .containsExactly(c.membership());
    await(c.elected());
  }

  @Test
  default void withdrawWithoutALiveCandidacyReturnsFalse() {
    Contender contender = contender(connect(), masterInfo("idle", 5050));
    assertThat(await("withdraw before any contend", contender.withdraw())).isFalse();
    Candidacy c = await(contender.contend());
    assertThat(await("withdraw of the live candidacy", contender.withdraw())).isTrue();
    assertThat(await("cancelled() of the withdrawn candidacy", c.membership().cancelled()))
        .isTrue();
    await(c.lost());
    assertThat(await("second withdraw", contender.withdraw())).isFalse();
  }

  @Test
  default void contendingAgainAfterWithdrawingGetsAHigherEpoch() {
    Contender contender = contender(connect(), masterInfo("again", 5050));
    Candidacy c1 = await(contender.contend());
    await(c1.elected());
    assertThat(await(contender.withdraw())).isTrue();
    await(c1.lost());
    Candidacy c2 = await("contend after the candidacy was lost", contender.contend());
    assertThat(c2.epoch()).isGreaterThan(c1.epoch());
    assertThat(c2.membership()).isNotEqualTo(c1.membership());
    assertThat(await(c2.elected()).epoch()).isEqualTo(c2.epoch());
    assertThat(c2.lost()).isNotDone();
  }

  @Test
  default void candidacyLostBeforeItsElectionFailsElected() {
    Candidacy leader = await(contender(connect(), masterInfo("leader", 5050)).contend());
    await(leader.elected());
    Contender standby = contender(connect(), masterInfo("standby", 5051));
    Candidacy c = await(standby.contend());
    CompletableFuture<Leader> elected = c.elected();
    assertThat(await(standby.withdraw())).isTrue();
    assertThat(awaitFailure("elected() of a candidacy withdrawn before its election", elected))
        .isInstanceOf(CandidacyLostException.class);
    await(c.lost());
    assertThat(leader.lost()).isNotDone();
  }

  @Test
  default void twentyConcurrentContendersLeadOneAtATimeWithIncreasingEpochs() {
    int n = 20;
    List<Contender> contenders = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      contenders.add(contender(connect(), masterInfo("c" + i, 6000 + i)));
    }
    List<LeaderFollower> followers =
        List.of(follow(connect()), follow(connect()), follow(connect()));

    // All contend at the same moment, each from its own thread.
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Candidacy>> contending = new ArrayList<>();
    for (Contender c : contenders) {
      contending.add(
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    return c;
                  },
                  executor())
              .thenCompose(Contender::contend));
    }
    go.countDown();
    List<Candidacy> candidacies = new ArrayList<>();
    contending.forEach(f -> candidacies.add(await("concurrent contend", f)));
    assertThat(candidacies.stream().map(Candidacy::epoch).distinct().count())
        .as("distinct epochs")
        .isEqualTo(n);
    candidacies.forEach(c -> assertThat(c.epoch()).isEqualTo(c.membership().sequence()));

    LeadershipLog log = new LeadershipLog();
    for (int i = 0; i < n; i++) {
      log.watch(i, candidacies.get(i));
    }
    List<Integer> byEpoch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byEpoch.add(i);
    }
    byEpoch.sort(Comparator.comparingLong(i -> candidacies.get(i).epoch()));

    // Hand leadership down the line: the leader steps down (stops believing it leads), then
    // withdraws.
    for (int expected : byEpoch) {
      int leader = await("a leader among the remaining contenders", log.leader());
      assertThat(leader)
          .as("the leader is the remaining contender with the lowest epoch")
          .isEqualTo(expected);
      Candidacy c = candidacies.get(leader);
      Leader detected =
          await(
                  "detection of contender " + leader,
                  followers
                      .get(leader % followers.size())
                      .until(l -> l.isPresent() && l.get().epoch() >= c.epoch()))
              .orElseThrow();
      assertThat(detected.membership()).as("detected leader").isEqualTo(c.membership());
      log.stepDown(leader);
      assertThat(await("withdraw of contender " + leader, contenders.get(leader).withdraw()))
          .isTrue();
      await(c.lost());
    }

    assertThat(log.violations()).as("violations of one leader at a time").isEmpty();
    List<LeadershipLog.Term> terms = log.terms();
    assertThat(terms.stream().map(LeadershipLog.Term::contender).toList())
        .as("each contender led once, in epoch order")
        .isEqualTo(byEpoch);
    for (LeaderFollower f : followers) {
      await("detection of no leader at the end", f.until(Optional::isEmpty));
      List<Long> epochs = f.leaders().stream().map(Leader::epoch).toList();
      assertThat(epochs).as("epochs a detector reported").isSorted().doesNotHaveDuplicates();
      List<Membership> led =
          terms.stream().map(t -> candidacies.get(t.contender()).membership()).toList();
      assertThat(led)
          .as("detected leaders are elected ones")
          .containsAll(f.leaders().stream().map(Leader::membership).toList());
      assertThat(f.failure()).isEmpty();
    }
  }
}
