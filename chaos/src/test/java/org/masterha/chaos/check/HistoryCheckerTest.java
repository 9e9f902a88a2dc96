package org.masterha.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.masterha.chaos.history.History;

/**
 * Each rule gets a hand-made history that breaks it, and the checker must report exactly that rule
 * (and the expected kind of breakage); a realistic clean history must pass.
 */
class HistoryCheckerTest {
  /** Window after a heal: 100 ms session timeout + 50 ms grace. */
  static final CheckOptions OPTIONS =
      CheckOptions.of(Duration.ofMillis(100))
          .withGrace(Duration.ofMillis(50))
          .withSeed("seed-42")
          .withSchedule("kill-node n1 @60ms; pause-node n2 @240ms; wipe-store @460ms");

  static CheckResult check(HistoryBuilder h) {
    return new HistoryChecker(OPTIONS).check(h.build());
  }

  static List<String> kinds(CheckResult result) {
    return result.violations().stream().map(Violation::kind).toList();
  }

  static void assertOnly(CheckResult result, Rule rule, String... kinds) {
    assertThat(result.rulesBroken()).as(result.render()).containsExactly(rule);
    assertThat(kinds(result)).as(result.render()).containsExactlyInAnyOrder(kinds);
  }

  /**
   * Several tenures, a kill, a pause whose victim learns it lost after the next leader's election
   * (its last act is before it), unknown writes applied and not applied, a refused write, and a
   * store wipe that starts a new epoch line with lower epochs.
   */
  static HistoryBuilder cleanHistory() {
    HistoryBuilder h = new HistoryBuilder();
    h.start(0, "n1").start(0, "n2").start(0, "n3");
    h.contending(1, "n1", 1).contending(2, "n2", 2).contending(3, "n3", 3);
    h.elected(5, "n1", 1).acts(6, 56, 10, "n1", 1);
    h.detected(7, "n2", 1, "n1").detected(8, "n3", 1, "n1");
    h.writeOk(20, "n1", 1, "a", "", 0, 1).writeOk(40, "n1", 1, "b", "a", 1, 2);

    // Fault 1: n1 is killed; n2 takes over; n1 restarts (life 2) as the heal.
    h.faultStart(60, 1, "kill-node", "n1").killed(60, "n1");
    h.noLeader(90, "n2").noLeader(91, "n3");
    h.elected(120, "n2", 2).acts(121, 231, 10, "n2", 2);
    h.detected(122, "n3", 2, "n2");
    h.writeOk(125, "n2", 2, "c", "b", 2, 3);
    h.writeUnknown(150, "n2", 2, "d", "c", 3, 142); // applied: e replaces it
    h.faultHeal(130, 1, "kill-node", "n1").start(130, "n1").contending(135, "n1", 4);
    h.detected(136, "n1", 2, "n2");

    // Fault 2: n2 is paused (SIGSTOP) with a write in flight; n3 is elected; n2 resumes late.
    h.faultStart(240, 2, "pause-node", "n2");
    h.elected(330, "n3", 3).acts(331, 451, 10, "n3", 3);
    h.detected(332, "n1", 3, "n3");
    h.writeOk(335, "n3", 3, "e", "d", 4, 5);
    h.faultHeal(340, 2, "pause-node", "n2");
    h.lost(342, "n2", 2); // after n3's elected, but n2's last act (231) is before it
    h.noLeader(343, "n2");
    h.writeUnknown(345, "n2", 2, "x", "d", 4, 235); // never applied
    h.contending(350, "n2", 5).detected(351, "n2", 3, "n3");

    // Fault 3: the store is wiped; a new epoch line L2 whose epochs start again at 1.
    h.faultStart(460, 3, "wipe-store", "store");
    h.lost(470, "n3", 3);
    h.faultHeal(480, 3, "wipe-store", "store");
    h.line("L2");
    h.contending(485, "n1", 1).contending(486, "n2", 2).contending(487, "n3", 3);
    h.elected(490, "n1", 1).acts(491, 591, 10, "n1", 1);
    h.detected(491, "n1", 1, "n1").detected(492, "n2", 1, "n1").detected(493, "n3", 1, "n1");
    h.writeOk(500, "n1", 1, "f", "", 0, 1);
    h.writeRefused(510, "n2", 2, "g", "f", 1);

    h.read(600, "runner", "f", 1).end(610);
    return h;
  }

  @Test
  void aRealisticCleanHistoryPasses() {
    CheckResult result = check(cleanHistory());

    assertThat(result.violations()).as(result.render()).isEmpty();
    assertThat(result.passed()).isTrue();
    assertThat(result.tenures())
        .extracting(Tenure::describe)
        .containsExactly("n1#1 L1/1", "n2#1 L1/2", "n3#1 L1/3", "n1#2 L2/1");
    assertThat(result.tenures().get(1).end()).isEqualTo(HistoryBuilder.nanos(231));
    assertThat(result.failovers())
        .extracting(Failover::faultId, Failover::millis)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, 60.0),
            org.assertj.core.groups.Tuple.tuple(2, 90.0),
            org.assertj.core.groups.Tuple.tuple(3, 30.0));
    assertThat(result.windows())
        .extracting(LivenessWindow::gapMillis)
        .containsExactly(1.0, 1.0, 10.0);
  }

  @Test
  void anEmptyHistoryPassesAndSummarizes() {
    History empty = new HistoryBuilder().build();
    CheckResult result = new HistoryChecker(OPTIONS).check(empty);

    assertThat(result.passed()).isTrue();
    assertThat(Summary.of("zookeeper", "", empty, result).toText()).contains("PASS");
  }

  @Nested
  class RuleA {
    @Test
    void overlappingTenuresOfDifferentEpochs() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 51, 10, "n1", 1);
      h.elected(30, "n2", 2).acts(31, 61, 10, "n2", 2);

      CheckResult result = check(h);

      assertOnly(result, Rule.A_TENURES_DISJOINT, "overlap");
      String text = result.violations().get(0).render();
      assertThat(text)
          .contains("VIOLATION of rule (a)", "seed: seed-42", "schedule: kill-node n1 @60ms")
          .contains("n1#1 L1/1", "n2#1 L1/2");
      assertThat(text.lines().filter(l -> l.contains(">> "))).hasSize(3);
    }

    @Test
    void twoLivesElectedForTheSameEpoch() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 21, 10, "n1", 1);
      h.elected(40, "n2", 1).acts(41, 61, 10, "n2", 1);

      assertOnly(check(h), Rule.A_TENURES_DISJOINT, "duplicate-epoch");
    }

    @Test
    void aLeaderThatActsWhilePausedIntoTheNextTenureOverlapsIt() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 21, 10, "n1", 1);
      h.elected(30, "n2", 2).acts(31, 61, 10, "n2", 2);
      h.act(35, "n1", 1).lost(40, "n1", 1); // acted after n2's elected, before learning

      assertOnly(check(h), Rule.A_TENURES_DISJOINT, "overlap");
    }
  }

  @Nested
  class RuleB {
    @Test
    void aLaterTenureWithALowerEpoch() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 5).acts(1, 21, 10, "n1", 5);
      h.elected(40, "n2", 3).acts(41, 61, 10, "n2", 3);

      assertOnly(check(h), Rule.B_EPOCHS_INCREASE, "epoch-not-increasing");
    }

    @Test
    void epochsThatGoBackAfterAWipeOfTheStoreStartANewLine() {
      // The nodes log one line for everything; the checker splits it at the wipe's heal.
      HistoryBuilder h = new HistoryBuilder();
      h.contending(0, "n1", 5).elected(1, "n1", 5).acts(2, 22, 10, "n1", 5);
      h.faultStart(30, 1, "wipe-store", "store:/base").lost(31, "n1", 5);
      h.faultHeal(35, 1, "wipe-store", "store:/base");
      h.contending(40, "n2", 0).elected(41, "n2", 0).acts(42, 62, 10, "n2", 0);
      h.end(70);

      assertThat(check(h).violations()).isEmpty();
    }

    @Test
    void epochsThatGoBackWithoutAWipeBreakTheRule() {
      HistoryBuilder h = new HistoryBuilder();
      h.contending(0, "n1", 5).elected(1, "n1", 5).acts(2, 22, 10, "n1", 5).lost(31, "n1", 5);
      h.contending(40, "n2", 0).elected(41, "n2", 0).acts(42, 62, 10, "n2", 0);
      h.end(70);

      assertOnly(check(h), Rule.B_EPOCHS_INCREASE, "epoch-not-increasing");
    }

    @Test
    void aTenureOfAnEarlierLineAfterOneOfALaterLine() {
      HistoryBuilder h = new HistoryBuilder();
      h.line("L1").elected(0, "n1", 1).acts(1, 21, 10, "n1", 1);
      h.line("L2").elected(40, "n2", 1).acts(41, 61, 10, "n2", 1);
      h.line("L1").elected(80, "n3", 2).acts(81, 101, 10, "n3", 2);

      assertOnly(check(h), Rule.B_EPOCHS_INCREASE, "line-went-back");
    }
  }

  @Nested
  class RuleC {
    @Test
    void aWriteSentAfterANewerElectionWasAcknowledged() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 41, 10, "n1", 1);
      h.elected(50, "n2", 2).acts(51, 81, 10, "n2", 2);
      h.write(55, "n1", 1, "a", "", 0, 52, org.masterha.chaos.history.Event.Outcome.OK, 1);
      h.read(90, "runner", "a", 1);

      assertOnly(check(h), Rule.C_WRITES_FENCED, "accepted-after-deposed");
    }

    @Test
    void anAcknowledgedWriteSentBeforeItsElected() {
      HistoryBuilder h = new HistoryBuilder();
      h.writeOk(6, "n1", 1, "a", "", 0, 1); // sent at 5
      h.elected(10, "n1", 1).acts(11, 31, 10, "n1", 1);
      h.read(40, "runner", "a", 1);

      assertOnly(check(h), Rule.C_WRITES_FENCED, "write-outside-tenure");
    }

    @Test
    void anAcknowledgedWriteSentAfterLost() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 21, 10, "n1", 1).lost(25, "n1", 1);
      h.writeOk(31, "n1", 1, "a", "", 0, 1); // sent at 30
      h.read(50, "runner", "a", 1);

      assertOnly(check(h), Rule.C_WRITES_FENCED, "write-after-lost");
    }

    @Test
    void aLowerEpochWriteAfterAHigherEpochWriteInTheRegister() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 21, 10, "n1", 1);
      h.writeOk(11, "n1", 1, "a", "", 0, 1);
      h.elected(30, "n2", 2).acts(31, 51, 10, "n2", 2);
      h.writeOk(41, "n2", 2, "b", "a", 1, 2);
      // Sent at 25, before n2's election, but applied after n2's write b.
      h.write(45, "n1", 1, "c", "b", 2, 25, org.masterha.chaos.history.Event.Outcome.OK, 3);
      h.read(60, "runner", "c", 3);

      assertOnly(check(h), Rule.C_WRITES_FENCED, "epoch-went-back-on-chain");
    }
  }

  @Nested
  class RuleD {
    private HistoryBuilder leader() {
      return new HistoryBuilder().elected(0, "n1", 1).acts(1, 91, 10, "n1", 1);
    }

    @Test
    void aFork() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeOk(20, "n1", 1, "b", "a", 1, 2);
      h.writeOk(30, "n1", 1, "c", "a", 1, 3);
      h.read(100, "runner", "c", 3);

      CheckResult result = check(h);

      assertThat(result.rulesBroken()).as(result.render()).containsExactly(Rule.D_REGISTER_CHAIN);
      assertThat(kinds(result)).contains("fork");
    }

    @Test
    void aForkWithAnAppliedUnknownWrite() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeUnknown(20, "n1", 1, "b", "a", 1, 15);
      h.writeOk(30, "n1", 1, "c", "a", 1, 3);
      h.read(35, "n2", "b", 2); // b was applied
      h.read(100, "runner", "c", 3);

      CheckResult result = check(h);

      assertOnly(result, Rule.D_REGISTER_CHAIN, "fork");
    }

    @Test
    void anUnknownWriteNeverAppliedIsNoFork() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeUnknown(20, "n1", 1, "b", "a", 1, 15);
      h.writeOk(30, "n1", 1, "c", "a", 1, 3);
      h.read(100, "runner", "c", 3);

      assertThat(check(h).violations()).isEmpty();
    }

    @Test
    void aLostAcknowledgedWrite() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeOk(20, "n1", 1, "b", "a", 1, 2);
      h.read(100, "runner", "a", 1);

      assertOnly(check(h), Rule.D_REGISTER_CHAIN, "lost-acknowledged-write");
    }

    @Test
    void aWriteAcknowledgedAfterTheFinalReadOnTopOfItIsNotLost() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.read(50, "runner", "a", 1);
      h.writeOk(60, "n1", 1, "b", "a", 1, 2);

      assertThat(check(h).violations()).isEmpty();
    }

    @Test
    void aWriteAcknowledgedAfterTheFinalReadBesideItIsLost() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeOk(20, "n1", 1, "b", "a", 1, 2);
      h.read(50, "runner", "b", 2);
      h.writeOk(60, "n1", 1, "c", "a", 1, 3); // replaced a, which b had already replaced

      CheckResult result = check(h);

      assertThat(result.rulesBroken()).as(result.render()).containsExactly(Rule.D_REGISTER_CHAIN);
      assertThat(kinds(result)).contains("fork", "lost-acknowledged-write");
    }

    @Test
    void aLostAcknowledgedWriteOfAnEarlierLine() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeOk(20, "n1", 1, "b", "", 0, 2); // replaced the empty register: a is lost
      h.lost(95, "n1", 1);
      h.line("L2").elected(100, "n2", 1).acts(101, 121, 10, "n2", 1);
      h.writeOk(110, "n2", 1, "c", "", 0, 1);
      h.read(130, "runner", "c", 1);

      CheckResult result = check(h);

      assertThat(result.rulesBroken()).as(result.render()).containsExactly(Rule.D_REGISTER_CHAIN);
      assertThat(kinds(result)).contains("lost-acknowledged-write");
    }

    @Test
    void versionsThatDoNotIncrease() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 5);
      h.writeOk(20, "n1", 1, "b", "a", 5, 3);
      h.read(100, "runner", "b", 3);

      CheckResult result = check(h);

      assertThat(result.rulesBroken()).as(result.render()).containsExactly(Rule.D_REGISTER_CHAIN);
      assertThat(kinds(result)).isNotEmpty().allMatch("version-not-increasing"::equals);
    }

    @Test
    void aReadOfAnOpThatNoWriteWrote() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.read(50, "n2", "ghost", 7);
      h.read(100, "runner", "a", 1);

      assertOnly(check(h), Rule.D_REGISTER_CHAIN, "unknown-op");
    }

    @Test
    void aRefusedWriteThatWasApplied() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);
      h.writeRefused(20, "n1", 1, "b", "a", 1);
      h.read(100, "runner", "b", 2);

      CheckResult result = check(h);

      assertThat(result.rulesBroken()).as(result.render()).containsExactly(Rule.D_REGISTER_CHAIN);
      assertThat(kinds(result)).contains("refused-write-applied");
    }

    @Test
    void acknowledgedWritesWithoutAFinalRead() {
      HistoryBuilder h = leader();
      h.writeOk(10, "n1", 1, "a", "", 0, 1);

      assertOnly(check(h), Rule.D_REGISTER_CHAIN, "no-final-read");
    }
  }

  @Nested
  class RuleE {
    @Test
    void aDetectorGoesBackToAnOlderEpoch() {
      HistoryBuilder h = new HistoryBuilder();
      h.detected(10, "n3", 2, "n2").noLeader(20, "n3").detected(30, "n3", 1, "n1");

      assertOnly(check(h), Rule.E_DETECTOR_MONOTONIC, "detector-epoch-went-back");
    }

    @Test
    void noLeaderBetweenIncreasingEpochsAndANewLifeStartingLowerAreFine() {
      HistoryBuilder h = new HistoryBuilder();
      h.detected(10, "n3", 2, "n2").noLeader(20, "n3").detected(30, "n3", 3, "n1");
      h.start(0, "n4").detected(31, "n4", 3, "n1").start(40, "n4").detected(50, "n4", 2, "n2");

      assertThat(check(h).violations()).isEmpty();
    }

    @Test
    void aReportOfTheOldLeaderJustAfterAWipeStaysOnTheOldLineWhenItsEpochComesBackLater() {
      // Found by the 1,000-fault ZooKeeper campaign: a detector frozen across the wipe reports the
      // old leader a moment after the heal; on the new line the epochs count from 0 again and, much
      // later, the same process contends with the same epoch number. The report is of the old
      // candidacy, not of that later one.
      HistoryBuilder h = new HistoryBuilder();
      h.contending(0, "n2", 5).elected(1, "n2", 5).acts(2, 22, 10, "n2", 5);
      h.faultStart(30, 1, "wipe-store", "store:/base");
      h.faultHeal(35, 1, "wipe-store", "store:/base");
      h.detected(36, "n1", 5, "n2").lost(37, "n2", 5);
      h.contending(40, "n3", 0).elected(41, "n3", 0).acts(42, 52, 10, "n3", 0);
      h.detected(43, "n1", 0, "n3").contending(45, "n2", 1).lost(50, "n2", 1);
      h.lost(55, "n3", 0);
      h.contending(60, "n2", 5).elected(61, "n2", 5).acts(62, 72, 10, "n2", 5);
      h.detected(63, "n1", 5, "n2").end(80);

      CheckResult result = check(h);
      assertThat(result.violations()).as(result.render()).isEmpty();
    }

    @Test
    void aDetectorGoesBackToAnOlderLine() {
      HistoryBuilder h = new HistoryBuilder();
      h.line("L1").detected(10, "n3", 3, "n2");
      h.line("L2").detected(20, "n3", 1, "n1");
      h.line("L1").detected(30, "n3", 4, "n1");

      assertOnly(check(h), Rule.E_DETECTOR_MONOTONIC, "detector-line-went-back");
    }
  }

  @Nested
  class RuleF {
    @Test
    void noLeaderWithinTheWindowAfterAHeal() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 51, 10, "n1", 1);
      h.faultStart(55, 1, "kill-node", "n1").killed(55, "n1");
      h.faultHeal(100, 1, "kill-node", "n1").start(100, "n1");
      h.elected(300, "n2", 2).acts(301, 321, 10, "n2", 2); // window closed at 250
      h.end(330);

      CheckResult result = check(h);

      assertOnly(result, Rule.F_LIVENESS, "no-leader-after-heal");
      assertThat(result.windows()).singleElement().extracting(LivenessWindow::met).isEqualTo(false);
      assertThat(result.failovers()).singleElement().extracting(Failover::millis).isEqualTo(245.0);
    }

    @Test
    void aFaultStartingBeforeTheWindowClosesMovesTheWindowToItsHeal() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 51, 10, "n1", 1);
      h.faultStart(55, 1, "kill-node", "n1").killed(55, "n1");
      h.faultHeal(100, 1, "kill-node", "n1").start(100, "n1");
      h.faultStart(120, 2, "freeze-store-connection", "n2");
      h.faultHeal(200, 2, "freeze-store-connection", "n2");
      h.elected(300, "n2", 2).acts(301, 321, 10, "n2", 2); // within 200 + 150
      h.end(330);

      CheckResult result = check(h);

      assertThat(result.violations()).as(result.render()).isEmpty();
      assertThat(result.windows())
          .singleElement()
          .extracting(LivenessWindow::faultId, LivenessWindow::gapMillis)
          .containsExactly(2, 100.0);
    }

    @Test
    void aHistoryThatEndsBeforeTheWindowClosesWithoutALeader() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 51, 10, "n1", 1);
      h.faultStart(55, 1, "kill-node", "n1").killed(55, "n1");
      h.faultHeal(100, 1, "kill-node", "n1").start(100, "n1");
      h.end(120);

      assertOnly(check(h), Rule.F_LIVENESS, "no-leader-after-heal");
    }
  }

  @Nested
  class RuleG {
    @Test
    void anActAfterLost() {
      HistoryBuilder h = new HistoryBuilder();
      h.elected(0, "n1", 1).acts(1, 21, 10, "n1", 1).lost(25, "n1", 1).acts(30, 50, 10, "n1", 1);

      CheckResult result = check(h);

      assertOnly(result, Rule.G_ACTS_INSIDE_TENURE, "act-after-lost");
      assertThat(result.violations().get(0).involved().get(1).t())
          .isEqualTo(HistoryBuilder.nanos(30));
      assertThat(result.notes()).singleElement().asString().contains("2 more acts");
    }

    @Test
    void anActWithoutElected() {
      HistoryBuilder h = new HistoryBuilder();
      h.act(10, "n1", 1);

      assertOnly(check(h), Rule.G_ACTS_INSIDE_TENURE, "act-without-elected");
    }

    @Test
    void anActOfAnEpochElectedInAnEarlierLife() {
      HistoryBuilder h = new HistoryBuilder();
      h.start(0, "n1").elected(1, "n1", 1).acts(2, 22, 10, "n1", 1).killed(25, "n1");
      h.start(30, "n1").act(40, "n1", 1);

      assertOnly(check(h), Rule.G_ACTS_INSIDE_TENURE, "act-without-elected");
    }

    @Test
    void anActAfterKilled() {
      HistoryBuilder h = new HistoryBuilder();
      h.start(0, "n1").elected(1, "n1", 1).acts(2, 22, 10, "n1", 1).killed(25, "n1");
      h.act(30, "n1", 1);

      assertOnly(check(h), Rule.G_ACTS_INSIDE_TENURE, "act-after-killed");
    }
  }

  @Test
  void theCleanHistoryBrokenInOnePlaceFailsOnlyThere() {
    // n2, paused, acts once more after n3 was elected and before it learns it lost.
    HistoryBuilder h = cleanHistory().line("L1").act(335, "n2", 2);
    History history = h.build();

    CheckResult result = new HistoryChecker(OPTIONS).check(history);

    assertOnly(result, Rule.A_TENURES_DISJOINT, "overlap");
    assertThat(result.violations().get(0).slice())
        .anySatisfy(l -> assertThat(l).startsWith(">>").contains("n2#1", "act", "L1/2"));
  }
}
