package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;

/**
 * Faults (rules 2, 3 and 5 of the contract, {@code docs/contract.md}): cut connections, expired
 * sessions, restarted servers, a lost store leader server. Each test needs a {@link Fault} and is
 * skipped where the fixture cannot inject it.
 *
 * <p>These tests are the one place where the suite waits for a fixed time on purpose: a fault has a
 * duration (a blip shorter than the session timeout) and "nothing changed" can only be watched for
 * a window. Such waits are {@link #assertPendingFor} windows on futures that must not complete,
 * ended early by a violation.
 */
public interface SessionFaultContract extends FixtureAccess {
  /**
   * Timeout plus half: the latest a cut leader may learn that it lost (rule 2), with room for
   * scheduling.
   */
  default Duration lossBound() {
    return testSessionTimeout().plus(testSessionTimeout().dividedBy(2));
  }

  private static java.util.function.Predicate<Optional<Leader>> leads(Candidacy c) {
    return l -> l.isPresent() && l.get().membership().equals(c.membership());
  }

  @Test
  default void cutLeaderLosesItsCandidacyBeforeAnotherContenderIsElected() throws Exception {
    FaultInjector cut = assumeFault(Fault.CUT_CONNECTION);
    TestClient leaderClient = connect();
    Contender leaderContender = contender(leaderClient, masterInfo("cut", 5050));
    Candidacy c1 = await(leaderContender.contend());
    await(c1.elected());
    Candidacy c2 = await(contender(connect(), masterInfo("standby", 5051)).contend());
    LeaderFollower follower = follow(connect());
    await(follower.until(leads(c1)));

    // Asked when the standby learns it leads. Not two callbacks' clocks: callbacks run on each
    // session's own
    // executor, so their order says nothing about the order of the completions.
    CompletableFuture<Boolean> lostAtElection = c2.elected().handle((l, e) -> c1.lost().isDone());
    long cutAt = System.nanoTime();
    cut.inject(leaderClient);
    try {
      await("lost() of the cut leader", c1.lost());
      long lostBy =
          System
              .nanoTime(); // callbacks run on the session's executor: the wait itself is the clock
      await("election of the standby", c2.elected());
      assertThat(Duration.ofNanos(lostBy - cutAt))
          .as("cut to lost() of the cut leader (rule 2)")
          .isLessThanOrEqualTo(lossBound());
      assertThat(await(lostAtElection))
          .as("the cut leader's lost() completes before the standby is elected (rule 2)")
          .isTrue();
      await("detection of the new leader", follower.until(leads(c2)));
    } finally {
      cut.heal(leaderClient);
    }
    assertThat(follower.leaders().stream().map(Leader::epoch).toList())
        .as("epochs detected")
        .isSorted()
        .doesNotHaveDuplicates();

    // Once the network is back the client carries on with a new session and can contend again.
    Candidacy again = await("contend after the connection was restored", leaderContender.contend());
    assertThat(again.epoch()).isGreaterThan(c2.epoch());
    assertPending("re-election of the old leader behind the new one", again.elected());
  }

  /**
   * {@link Candidacy#isLeader()} answers from the session's deadline at the moment of the call
   * (issue 10): a cut leader stops answering as leader by its deadline, before anyone else is
   * elected, and never answers as leader again; a standby is not leader until it is elected.
   */
  @Test
  default void aCutLeaderStopsAnsweringAsLeaderBeforeAnotherIsElected() throws Exception {
    FaultInjector cut = assumeFault(Fault.CUT_CONNECTION);
    TestClient leaderClient = connect();
    Candidacy c1 = await(contender(leaderClient, masterInfo("cut", 5050)).contend());
    await(c1.elected());
    assertThat(c1.isLeader()).as("isLeader() of the elected leader").isTrue();
    Candidacy c2 = await(contender(connect(), masterInfo("standby", 5051)).contend());
    assertThat(c2.isLeader()).as("isLeader() of a standby").isFalse();
    // Asked at the moment the standby learns it was elected: the old leader must no longer answer
    // as leader.
    CompletableFuture<Boolean> oldLeaderAnswerAtElection =
        c2.elected().handle((l, e) -> c1.isLeader());

    long cutAt = System.nanoTime();
    cut.inject(leaderClient);
    try {
      awaitUntil("isLeader() of the cut leader turns false", () -> !c1.isLeader());
      assertThat(Duration.ofNanos(System.nanoTime() - cutAt))
          .as("cut to isLeader() false")
          .isLessThanOrEqualTo(lossBound());
      await("election of the standby", c2.elected());
      assertThat(await(oldLeaderAnswerAtElection))
          .as("isLeader() of the cut leader when the standby was elected")
          .isFalse();
      assertThat(c2.isLeader()).as("isLeader() of the new leader").isTrue();
      assertThat(c1.isLeader()).as("isLeader() of the old leader").isFalse();
    } finally {
      cut.heal(leaderClient);
    }
    await("lost() of the cut leader", c1.lost());
    assertThat(c1.isLeader())
        .as("isLeader() of the old leader after the connection came back")
        .isFalse();
  }

  @Test
  default void connectionBlipShorterThanTheSessionTimeoutCausesNoLeaderChange() throws Exception {
    FaultInjector cut = assumeFault(Fault.CUT_CONNECTION);
    TestClient leaderClient = connect();
    Contender leaderContender = contender(leaderClient, masterInfo("blip", 5050));
    Candidacy c1 = await(leaderContender.contend());
    await(c1.elected());
    Candidacy c2 = await(contender(connect(), masterInfo("standby", 5051)).contend());
    Detector d = detector(connect());
    Optional<Leader> leader = await(d.detect());
    assertThat(leader).map(Leader::membership).contains(c1.membership());
    CompletableFuture<Optional<Leader>> change = d.detect(leader);

    // The blip: a partition of a fifth of the session timeout, healed by the scheduler.
    Duration blip = testSessionTimeout().dividedBy(5);
    cut.inject(leaderClient);
    ScheduledFuture<?> heal =
        executor()
            .schedule(
                () -> {
                  cut.heal(leaderClient);
                  return null;
                },
                blip.toNanos(),
                TimeUnit.NANOSECONDS);
    try {
      // Watch for the blip plus a whole session timeout and a half after it: the leader keeps its
      // candidacy and
      // no one, elected or detecting, sees another leader.
      assertPendingFor(
          lossBound().plus(blip),
          "a leader change caused by a blip (rule 5)",
          c1.lost(),
          c2.elected(),
          change);
    } finally {
      heal.cancel(false);
      cut.heal(leaderClient);
    }
    // The leader's session is in working order and everyone still sees it.
    Membership probe =
        await(
            "a join on the leader's session after the blip",
            leaderClient.session().pidGroup().join("probe@127.0.0.1:1"));
    assertThat(await(leaderClient.session().pidGroup().leave(probe))).isTrue();
    assertThat(await(detector(connect()).detect()))
        .map(Leader::membership)
        .contains(c1.membership());
    assertThat(c1.lost()).isNotDone();
    // The detection pending since before the blip still answers a change.
    assertThat(await(leaderContender.withdraw())).isTrue();
    assertThat(await("detection, pending since before the blip, of a change after it", change))
        .map(Leader::membership)
        .contains(c2.membership());
  }

  /**
   * The ghost path of a paused master (issue 10): a join is under way while the connection is cut
   * and the session is replaced (expired on the store, a new one opened when the connection comes
   * back). Whatever the backend did with the create, the group then holds exactly the member the
   * join returned (or none, if the join failed), never a second one owned by the live session that
   * no membership stands on.
   */
  @Test
  default void aJoinInFlightWhileTheSessionIsReplacedLeavesExactlyTheMemberItReturned()
      throws Exception {
    FaultInjector cut = assumeFault(Fault.CUT_CONNECTION);
    FaultInjector expire = assumeFault(Fault.EXPIRE_SESSION);
    TestClient x = connect();
    Candidacy before = await(contender(x, masterInfo("paused", 5050)).contend());
    await(before.elected());
    TestClient observer = connect();
    Group seen = observer.session().group("");
    awaitUntil(
        "the observer lists the first candidacy",
        () -> await(seen.members()).contains(before.membership()));

    cut.inject(x);
    CompletableFuture<Membership> join;
    try {
      join =
          x.session()
              .group("")
              .join(bytes("joined across the session change"), Optional.of("json.info"));
      expire.inject(x);
    } finally {
      cut.heal(x);
    }
    Membership joined;
    try {
      joined = join.get(deadline().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      joined = null; // a join may fail across an expiry; then it must leave nothing behind
    }
    await("lost() of the candidacy whose session expired", before.lost());
    // A join that completed before the expiry lost its member with the session; one that completed
    // after holds it.
    Membership returned = joined;
    java.util.function.Supplier<Set<Membership>> live =
        () -> returned == null || returned.cancelled().isDone() ? Set.of() : Set.of(returned);
    awaitUntil(
        "the group holds exactly the live membership the join returned (" + joined + ")",
        () -> await(seen.members()).equals(live.get()));
    Set<Membership> expected = live.get();
    assertPendingFor(quietPeriod(), "a change of the group after it settled", seen.watch(expected));
    if (joined != null && !joined.cancelled().isDone()) {
      assertThat(joined.isHeld()).as("the returned membership is held").isTrue();
      assertThat(joined.cancelled()).as("the returned membership is live").isNotDone();
    }
  }

  @Test
  default void expiredSessionLosesItsMembershipsAndCanJoinAgain() throws Exception {
    FaultInjector expire = assumeFault(Fault.EXPIRE_SESSION);
    TestClient x = connect();
    Contender xContender = contender(x, masterInfo("expiring", 5050));
    Candidacy c1 = await(xContender.contend());
    await(c1.elected());
    Membership replica = await(x.session().pidGroup().join("log-replica(1)@127.0.0.1:5050"));
    Candidacy c2 = await(contender(connect(), masterInfo("standby", 5051)).contend());
    TestClient observer = connect();
    LeaderFollower follower = follow(observer);
    await(follower.until(leads(c1)));
    String sessionBefore = x.session().sessionId();

    expire.inject(x);
    assertThat(await("cancelled() of the expired session's candidacy", c1.membership().cancelled()))
        .as("lost, not cancelled by us")
        .isFalse();
    assertThat(await("cancelled() of the expired session's replica member", replica.cancelled()))
        .isFalse();
    await("lost() of the expired leader", c1.lost());
    await("election of the standby", c2.elected());
    await("detection past the expired leader", follower.until(leads(c2)));
    awaitUntil(
        "other sessions no longer list the expired member",
        () ->
            !await(observer.session().pidGroup().endpoints())
                .contains("log-replica(1)@127.0.0.1:5050"));

    Membership rejoined =
        await(
            "a join after the expiry",
            x.session().pidGroup().join("log-replica(1)@127.0.0.1:5050"));
    assertThat(rejoined).isNotEqualTo(replica);
    assertThat(rejoined.sequence()).isGreaterThan(replica.sequence());
    Candidacy c3 = await("contend after the expiry", xContender.contend());
    assertThat(c3.epoch()).isGreaterThan(c2.epoch());
    assertThat(x.session().sessionId())
        .as("the session id after expiry")
        .isNotBlank()
        .isNotEqualTo(sessionBefore);
    assertPending("detection of the expired leader again", follower.nextAnswer());
    assertThat(follower.leaders().stream().map(Leader::epoch).toList())
        .as("epochs detected")
        .isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  default void restartedServersKeepTheLeaderOrElectAValidOne() throws Exception {
    FaultInjector restart = assumeFault(Fault.RESTART_SERVERS);
    TestClient a = connect();
    Contender ca = contender(a, masterInfo("leader", 5050));
    Candidacy c1 = await(ca.contend());
    await(c1.elected());
    TestClient b = connect();
    Contender cb = contender(b, masterInfo("standby", 5051));
    Candidacy c2 = await(cb.contend());
    LeaderFollower follower = follow(connect());
    await(follower.until(leads(c1)));

    restart.inject();
    // Every client gets through to the store again (same session or, after an expiry, a new one).
    await("the leader's client after the restart", a.session().group("").members());
    await("the standby's client after the restart", b.session().group("").members());
    if (!c1.lost().isDone()) {
      // The leader's session survived the restart: it still leads and no one saw anything else.
      Optional<Leader> now =
          await("detection by a new client after the restart", detector(connect()).detect());
      assertThat(now).map(Leader::membership).contains(c1.membership());
      assertThat(follower.leaders()).extracting(Leader::membership).containsOnly(c1.membership());
      // The standby may have lost its own session in the restart (elected() then fails): it must
      // not have led.
      assertThat(c2.elected().isDone() && !c2.elected().isCompletedExceptionally())
          .as("the standby was elected")
          .isFalse();
    } else {
      // It did not: a valid leader with a higher epoch takes over (whoever lost contends again).
      if (c2.lost().isDone()) {
        await(cb.contend());
      }
      await(ca.contend());
      Optional<Leader> next =
          await(
              "detection of a new leader after the restart",
              follower.until(l -> l.isPresent() && l.get().epoch() > c1.epoch()));
      assertThat(await(detector(connect()).detect(Optional.of(phantomLeader()))))
          .map(Leader::epoch)
          .hasValueSatisfying(
              e -> assertThat(e).isGreaterThanOrEqualTo(next.orElseThrow().epoch()));
    }
    // The detector from before the restart still follows changes: everyone but a newcomer leaves.
    Candidacy newcomer = await(contender(connect(), masterInfo("newcomer", 5059)).contend());
    a.session().close();
    b.session().close();
    await(
        "detection, by a detector from before the restart, of a change after it",
        follower.until(leads(newcomer)));
    assertThat(follower.leaders().stream().map(Leader::epoch).toList())
        .as("epochs detected (rule 3)")
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(follower.failure()).isEmpty();
  }

  /**
   * An operator wipes the store under running masters (or restores an empty backup). The leader's
   * member is gone, so it loses; a master that contends again leads; and a detector that lived
   * through it follows the new leader within a session timeout or two, even where the store numbers
   * members from the start again (ZooKeeper's re-created path), which its never-go-back rule would
   * otherwise hide for ever: it starts a new epoch line (docs/contract.md, rule 11).
   */
  @Test
  default void aDetectorFollowsTheLeaderAfterTheStoreIsWipedUnderIt() throws Exception {
    FaultInjector wipe = assumeFault(Fault.WIPE_BASE_PATH);
    TestClient a = connect();
    // A few members come and go first, so a store that starts numbering again starts lower.
    for (int i = 0; i < 3; i++) {
      Contender passing = contender(a, masterInfo("passing" + i, 5060 + i));
      await(passing.contend());
      await(passing.withdraw());
    }
    Candidacy before = await(contender(a, masterInfo("before", 5050)).contend());
    await(before.elected());
    LeaderFollower follower = follow(connect());
    await(follower.until(leads(before)));

    wipe.inject(a);
    assertThat(await("the leader's loss of its wiped member", before.lost()))
        .as("lost() completes normally")
        .isNull();
    Contender afterContender = contender(connect(), masterInfo("after", 5051));
    Candidacy after = await(afterContender.contend());
    await("the new contender's election", after.elected());
    Optional<Leader> seen =
        await(
            "detection of the new leader by a detector from before the wipe",
            follower.until(leads(after)),
            deadline().plus(testSessionTimeout().multipliedBy(2)));
    Leader l = seen.orElseThrow();
    if (l.epoch() < before.epoch()) {
      assertThat(l.line()).as("the epoch line after epochs went back").isEqualTo(1);
    } else {
      assertThat(l.line()).as("the epoch line when epochs went on increasing").isZero();
    }
    assertThat(follower.failure()).isEmpty();
    // Within the new line, detection goes on as before.
    Candidacy next = await(contender(connect(), masterInfo("next", 5052)).contend());
    await(afterContender.withdraw());
    assertThat(await(follower.until(leads(next))).orElseThrow().line()).isEqualTo(l.line());
  }

  @Test
  default void stoppingTheStoresLeaderServerCausesNoMasterLeaderChange() throws Exception {
    FaultInjector stopLeader = assumeFault(Fault.STOP_LEADER_SERVER);
    TestClient a = connect();
    Candidacy c1 = await(contender(a, masterInfo("leader", 5050)).contend());
    await(c1.elected());
    Candidacy c2 = await(contender(connect(), masterInfo("standby", 5051)).contend());
    Detector d = detector(connect());
    Optional<Leader> leader = await(d.detect());
    assertThat(leader).map(Leader::membership).contains(c1.membership());
    CompletableFuture<Optional<Leader>> change = d.detect(leader);

    stopLeader.inject();
    try {
      // The store elects a new leader server and clients move over within their sessions: for a
      // session timeout
      // and a half nothing may change for the masters.
      assertPendingFor(
          lossBound(),
          "a master leader change caused by losing the store's leader server",
          c1.lost(),
          c2.elected(),
          change);
      Membership probe =
          await(
              "a join on the leader's session with a server down",
              a.session().pidGroup().join("probe@127.0.0.1:1"));
      assertThat(await(a.session().pidGroup().leave(probe))).isTrue();
      assertThat(
              await("detection by a new client with a server down", detector(connect()).detect()))
          .map(Leader::membership)
          .contains(c1.membership());
    } finally {
      stopLeader.heal();
    }
    assertThat(
            await("detection by a new client with every server back", detector(connect()).detect()))
        .map(Leader::membership)
        .contains(c1.membership());
    assertThat(c1.lost()).isNotDone();
    assertThat(change).isNotDone();
    // The detection pending since before the stop still answers a change.
    a.session().close();
    assertThat(await("detection, pending since before the stop, of a change after it", change))
        .map(Leader::membership)
        .contains(c2.membership());
  }
}
