package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;

/**
 * Detection ({@code docs/contract.md}, "Detector", rules 3 and 6): {@code detect(previous)} answers
 * at once when the leader differs from {@code previous}, else at the next change; "no leader" is an
 * answer; detection never goes back in epoch; Mesos' legacy members are leaders too, garbage never
 * is.
 */
public interface DetectorContract extends FixtureAccess {
  @Test
  default void detectOnAnEmptyGroupWaitsForTheFirstLeader() {
    Detector d = detector(connect());
    CompletableFuture<Optional<Leader>> first = d.detect();
    assertPending("detect() with no leader", first);
    Candidacy c = await(contender(connect(), masterInfo("first", 5050)).contend());
    assertThat(await("detect() once a contender registered", first))
        .map(Leader::membership)
        .contains(c.membership());
  }

  @Test
  default void detectWithAPreviousLeaderAnswersNoLeaderAtOnceWhenThereIsNone() {
    Detector d = detector(connect());
    assertThat(await("detect(some leader) with no leader", d.detect(Optional.of(phantomLeader()))))
        .isEmpty();
    CompletableFuture<Optional<Leader>> waiting = d.detect(Optional.empty());
    assertPending("detect(no leader) with no leader", waiting);
    // The same, as the very first call of a fresh detector.
    assertThat(await(detector(connect()).detect(Optional.of(phantomLeader())))).isEmpty();
    assertPending("detect(no leader) with no leader", waiting);
  }

  @Test
  default void detectAnswersAtOnceWhenTheLeaderDiffersFromPrevious() {
    Candidacy c = await(contender(connect(), masterInfo("leader", 5050)).contend());
    await(c.elected());
    Detector d = detector(connect());
    // Nothing changes any more, so each answer below comes because the leader differs from the
    // argument.
    assertThat(await("detect(no leader)", d.detect(Optional.empty())))
        .map(Leader::membership)
        .contains(c.membership());
    assertThat(await("detect(another leader)", d.detect(Optional.of(phantomLeader()))))
        .map(Leader::membership)
        .contains(c.membership());
    assertThat(
            await(
                "a fresh detector's detect(another leader)",
                detector(connect()).detect(Optional.of(phantomLeader()))))
        .map(Leader::membership)
        .contains(c.membership());
  }

  @Test
  default void detectWithTheCurrentLeaderWaitsForTheNextChange() {
    Contender first = contender(connect(), masterInfo("first", 5050));
    Candidacy c1 = await(first.contend());
    Detector d = detector(connect());
    Optional<Leader> l1 = await(d.detect());
    assertThat(l1).map(Leader::membership).contains(c1.membership());

    CompletableFuture<Optional<Leader>> next = d.detect(l1);
    assertPending("detect(current leader)", next);
    Candidacy c2 = await(contender(connect(), masterInfo("second", 5051)).contend());
    assertPending("detect(current leader) after a standby joined", next);

    assertThat(await(first.withdraw())).isTrue();
    Optional<Leader> l2 = await("detect(previous leader) after it withdrew", next);
    assertThat(l2).map(Leader::membership).contains(c2.membership());
    assertThat(l2.orElseThrow().epoch()).isGreaterThan(l1.orElseThrow().epoch());
  }

  @Test
  default void detectReportsNoLeaderAfterTheLastLeaderWithdraws() {
    Contender contender = contender(connect(), masterInfo("only", 5050));
    Candidacy c1 = await(contender.contend());
    Detector d = detector(connect());
    Optional<Leader> l1 = await(d.detect());
    assertThat(l1).map(Leader::membership).contains(c1.membership());
    CompletableFuture<Optional<Leader>> next = d.detect(l1);

    assertThat(await(contender.withdraw())).isTrue();
    assertThat(await("detect(leader) after the only leader withdrew", next)).isEmpty();
    CompletableFuture<Optional<Leader>> again = d.detect(Optional.empty());
    assertPending("detect(no leader) with no leader", again);
    Candidacy c2 = await(contender.contend());
    Optional<Leader> l2 = await("detect(no leader) once a contender is back", again);
    assertThat(l2).map(Leader::membership).contains(c2.membership());
    assertThat(l2.orElseThrow().epoch()).isGreaterThan(l1.orElseThrow().epoch());
  }

  @Test
  default void detectionNeverGoesBackInEpochAcrossFailovers() {
    LeaderFollower follower = follow(connect());
    LeaderFollower lateFollower = null;
    List<Membership> candidacies = new ArrayList<>();
    TestClient currentClient = connect();
    Contender current = contender(currentClient, masterInfo("c0", 6000));
    Candidacy c = await(current.contend());
    candidacies.add(c.membership());
    Candidacy leading = c;
    await(
        "detection of the first leader",
        follower.until(l -> l.map(x -> x.membership().equals(leading.membership())).orElse(false)));

    Candidacy now = c;
    for (int i = 1; i <= 6; i++) {
      TestClient nextClient = connect();
      Contender next = contender(nextClient, masterInfo("c" + i, 6000 + i));
      Candidacy nc = await(next.contend());
      candidacies.add(nc.membership());
      if (i % 2 == 1) {
        assertThat(await(current.withdraw())).isTrue();
      } else {
        currentClient.session().close();
      }
      await(now.lost());
      await(
          "detection of failover " + i,
          follower.until(l -> l.map(x -> x.membership().equals(nc.membership())).orElse(false)));
      if (i == 3) {
        lateFollower = follow(connect());
      }
      current = next;
      currentClient = nextClient;
      now = nc;
    }
    Candidacy last = now;
    await(
        "a detector started midway reaching the last leader",
        lateFollower.until(
            l -> l.map(x -> x.membership().equals(last.membership())).orElse(false)));
    for (LeaderFollower f : List.of(follower, lateFollower)) {
      assertThat(f.leaders().stream().map(Leader::epoch).toList())
          .as("epochs reported, in order")
          .isSorted()
          .doesNotHaveDuplicates();
      assertThat(candidacies)
          .as("leaders reported are candidacies")
          .containsAll(f.leaders().stream().map(Leader::membership).toList());
      assertThat(f.history())
          .as("no 'no leader' answer while a standby was always ready")
          .allSatisfy(o -> assertThat(o.leader()).isPresent());
      assertThat(f.failure()).isEmpty();
    }
  }

  @Test
  default void closingTheDetectorFailsPendingDetectionsWithCancellation() {
    Detector d = detector(connect());
    CompletableFuture<Optional<Leader>> waiting = d.detect();
    assertPending("detect() with no leader", waiting);
    d.close();
    assertThat(awaitFailure("pending detect() of a closed detector", waiting))
        .isInstanceOf(CancellationException.class);
    assertThat(awaitFailure("detect() on a closed detector", attempt(d::detect)))
        .isInstanceOf(CancellationException.class);

    Candidacy c = await(contender(connect(), masterInfo("leader", 5050)).contend());
    Detector d2 = detector(connect());
    Optional<Leader> leader = await(d2.detect());
    assertThat(leader).map(Leader::membership).contains(c.membership());
    CompletableFuture<Optional<Leader>> next = d2.detect(leader);
    d2.close();
    assertThat(awaitFailure("pending detect(leader) of a closed detector", next))
        .isInstanceOf(CancellationException.class);
    d2.close(); // idempotent
  }

  @Test
  default void legacyProtobufMemberIsDetectedAsLeader() {
    MasterInfo info = masterInfo("legacy", 5052);
    Group g = connect().session().group("");
    Membership m = await(g.join(info.toByteArray(), Optional.of(MasterInfoCodec.PROTOBUF_LABEL)));
    Optional<Leader> leader =
        await("detection of a binary protobuf member", detector(connect()).detect());
    assertThat(leader)
        .hasValueSatisfying(
            l -> {
              assertThat(l.membership()).isEqualTo(m);
              assertThat(l.epoch()).isEqualTo(m.sequence());
              assertThat(l.info()).isEqualTo(info);
            });

    // It leads a masterha contender that came later, as in a mixed Mesos/masterha group.
    Candidacy c = await(contender(connect(), masterInfo("new", 5050)).contend());
    assertPending("election of a contender behind a legacy leader", c.elected());
    assertThat(await(g.cancel(m))).isTrue();
    assertThat(await("election once the legacy leader left", c.elected()).membership())
        .isEqualTo(c.membership());
  }

  @Test
  default void bareUpidMemberIsDetectedAsLeader() {
    Group g = connect().session().group("");
    Membership m = await(g.join(bytes("master@127.0.0.1:5053"), Optional.empty()));
    Optional<Leader> leader =
        await("detection of an unlabelled UPID member", detector(connect()).detect());
    assertThat(leader)
        .hasValueSatisfying(
            l -> {
              assertThat(l.membership()).isEqualTo(m);
              assertThat(l.epoch()).isEqualTo(m.sequence());
              assertThat(l.info().getPid()).isEqualTo("master@127.0.0.1:5053");
              assertThat(l.info().getPort()).isEqualTo(5053);
              assertThat(l.info().getIp()).as("127.0.0.1 as Mesos stores it").isEqualTo(16777343);
            });
  }

  @Test
  default void garbageMemberDataIsSkippedAndNeverLeads() {
    Group junkGroup = connect().session().group("");
    // Lowest sequences, so a rule that took them would pick them.
    Membership junkJson =
        await(junkGroup.join(bytes("this is not json"), Optional.of(MasterInfoCodec.JSON_LABEL)));
    Membership junkProto =
        await(
            junkGroup.join(
                new byte[] {0x0A, 0x05, 'a'}, Optional.of(MasterInfoCodec.PROTOBUF_LABEL)));
    Membership junkUpid = await(junkGroup.join(bytes("not a pid"), Optional.empty()));
    List<Membership> junk = new ArrayList<>(List.of(junkJson, junkProto, junkUpid));

    Detector d = detector(connect());
    assertThat(
            await(
                "detect(some leader) with only garbage members",
                d.detect(Optional.of(phantomLeader()))))
        .isEmpty();
    CompletableFuture<Optional<Leader>> waiting = d.detect(Optional.empty());
    assertPending("detect(no leader) with only garbage members", waiting);
    LeaderFollower follower = follow(connect());

    Contender first = contender(connect(), masterInfo("first", 5050));
    Candidacy c1 = await(first.contend());
    assertThat(c1.epoch()).isGreaterThan(junkUpid.sequence());
    assertThat(await("election of the lowest valid member", c1.elected()).membership())
        .isEqualTo(c1.membership());
    Optional<Leader> l1 = await("detection past the garbage", waiting);
    assertThat(l1).map(Leader::membership).contains(c1.membership());

    junk.add(
        await(
            junkGroup.join(
                bytes("{\"id\":\"x\",\"ip\":"), Optional.of(MasterInfoCodec.JSON_LABEL))));
    Contender second = contender(connect(), masterInfo("second", 5051));
    Candidacy c2 = await(second.contend());
    assertThat(await(first.withdraw())).isTrue();
    assertThat(await("election of the next valid member", c2.elected()).membership())
        .isEqualTo(c2.membership());
    Optional<Leader> l2 = await("detection of the next valid member", d.detect(l1));
    assertThat(l2).map(Leader::membership).contains(c2.membership());
    await(follower.until(l -> l.map(x -> x.membership().equals(c2.membership())).orElse(false)));

    CompletableFuture<Optional<Leader>> afterLast = d.detect(l2);
    assertThat(await(second.withdraw())).isTrue();
    assertThat(await("detection once only garbage is left", afterLast)).isEmpty();
    await(follower.until(Optional::isEmpty));
    assertThat(follower.leaders()).extracting(Leader::membership).doesNotContainAnyElementsOf(junk);
    assertThat(follower.failure()).isEmpty();
  }
}
