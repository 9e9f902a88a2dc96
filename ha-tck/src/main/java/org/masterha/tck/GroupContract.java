package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaSession;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;

/**
 * The group primitive ({@code docs/contract.md}, "Group"): join/cancel/data/members/watch,
 * sequences, and the promise that a caller passing the set it last saw to {@code watch} never
 * misses a change.
 *
 * <p>Reads by a session other than the writer wait until the write is visible: a store cluster may
 * serve them from a replica that is a moment behind. A session always sees its own writes.
 */
public interface GroupContract extends FixtureAccess {
  String LABEL = "tck";

  @Test
  default void joinReturnsMembershipWithLabelSequenceAndData() {
    Group g = connect().session().group("");
    assertThat(g.path()).isEqualTo(basePath());

    Membership labelled = await("join", g.join(bytes("alpha"), Optional.of(LABEL)));
    assertThat(labelled.label()).contains(LABEL);
    assertThat(labelled.sequence()).isNotNegative();
    assertThat(labelled.id()).isNotBlank();
    assertThat(labelled.cancelled()).isNotDone();

    Membership unlabelled = await("join without label", g.join(bytes("beta"), Optional.empty()));
    assertThat(unlabelled.label()).isEmpty();
    assertThat(unlabelled.id()).isNotEqualTo(labelled.id());

    Set<Membership> members = await("members", g.members());
    assertThat(members).containsExactly(labelled, unlabelled);
    List<Membership> listed = new ArrayList<>(members);
    assertThat(listed.get(0).label()).as("label as listed").contains(LABEL);
    assertThat(listed.get(1).label()).as("label as listed").isEmpty();
    assertThat(await("data", g.data(labelled)))
        .hasValueSatisfying(d -> assertThat(d).isEqualTo(bytes("alpha")));
    assertThat(await("data", g.data(unlabelled)))
        .hasValueSatisfying(d -> assertThat(d).isEqualTo(bytes("beta")));
  }

  @Test
  default void sequencesIncreaseAcrossJoinsAndSessionsAndAreNeverReused() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");

    Membership m1 = await(a.join(bytes("1"), Optional.of(LABEL)));
    Membership m2 = await(b.join(bytes("2"), Optional.of(LABEL)));
    Membership m3 = await(a.join(bytes("3"), Optional.empty()));
    assertThat(m2.sequence()).as("a later join in another session").isGreaterThan(m1.sequence());
    assertThat(m3.sequence()).as("a later join").isGreaterThan(m2.sequence());

    assertThat(await(a.cancel(m3))).isTrue();
    Membership m4 = await(b.join(bytes("4"), Optional.of(LABEL)));
    assertThat(m4.sequence())
        .as("a join after the highest member was cancelled")
        .isGreaterThan(m3.sequence());

    assertThat(await(a.cancel(m1))).isTrue();
    assertThat(await(b.cancel(m2))).isTrue();
    assertThat(await(b.cancel(m4))).isTrue();
    awaitUntil(
        "the group is empty for both sessions",
        () -> await(a.members()).isEmpty() && await(b.members()).isEmpty());
    Membership m5 = await(a.join(bytes("5"), Optional.of(LABEL)));
    assertThat(m5.sequence()).as("a join into the emptied group").isGreaterThan(m4.sequence());
    assertThat(Set.of(m1.id(), m2.id(), m3.id(), m4.id(), m5.id())).hasSize(5);
  }

  @Test
  default void dataIsExactBytesForEverySessionAndEmptyAfterCancel() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");
    byte[] payload = new byte[4096];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31 + 7); // every byte value, zeros and high bits included
    }
    Membership m = await(a.join(payload, Optional.of(LABEL)));
    assertThat(await(a.data(m))).hasValueSatisfying(d -> assertThat(d).isEqualTo(payload));
    awaitUntil(
        "the other session reads the member's data",
        () ->
            await(b.data(m))
                .map(
                    d -> {
                      assertThat(d).isEqualTo(payload);
                      return true;
                    })
                .orElse(false));

    assertThat(await(a.cancel(m))).isTrue();
    assertThat(await(a.data(m))).as("data of a cancelled member").isEmpty();
    awaitUntil(
        "the other session reads no data for the cancelled member",
        () -> await(b.data(m)).isEmpty());
  }

  @Test
  default void cancelRemovesOnlyOurOwnLiveMembers() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");
    Membership m = await(a.join(bytes("mine"), Optional.of(LABEL)));
    awaitUntil("the other session lists the member", () -> await(b.members()).contains(m));
    Membership asListedByB = await(b.members()).iterator().next();

    assertThat(await("cancel by a session that does not own it", b.cancel(m))).isFalse();
    assertThat(
            await(
                "cancel of the listed copy by a session that does not own it",
                b.cancel(asListedByB)))
        .isFalse();
    assertThat(await(a.members())).containsExactly(m);
    assertThat(m.cancelled()).isNotDone();

    assertThat(await("cancel by the owner", a.cancel(m))).isTrue();
    assertThat(await("cancelled() after our cancel", m.cancelled())).isTrue();
    assertThat(await(a.members())).isEmpty();
    assertThat(await("second cancel", a.cancel(m))).isFalse();
  }

  @Test
  default void membersAreListedInSequenceOrder() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");
    List<Membership> joined = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Group g = i % 2 == 0 ? a : b;
      joined.add(await(g.join(bytes("m" + i), i % 3 == 0 ? Optional.empty() : Optional.of(LABEL))));
    }
    assertThat(await(a.cancel(joined.remove(2)))).isTrue();
    List<Membership> bySequence = joined.stream().sorted(Membership.BY_SEQUENCE).toList();
    assertThat(joined).as("joins in order get increasing sequences").isEqualTo(bySequence);
    for (Group g : List.of(a, b)) {
      awaitUntil(
          "members() lists every member", () -> await(g.members()).equals(Set.copyOf(bySequence)));
      assertThat(new ArrayList<>(await(g.members())))
          .as("members() iteration order")
          .isEqualTo(bySequence);
    }
  }

  @Test
  default void watchCompletesAtOnceWhenTheSetDiffersFromExpected() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");
    Membership m = await(a.join(bytes("x"), Optional.of(LABEL)));
    // Nothing changes after the join, so completing at all means completing because the sets
    // differ.
    assertThat(await("watch(empty set) with a member present", a.watch(Set.of())))
        .containsExactly(m);
    assertThat(
            await(
                "watch(a set that never existed)",
                a.watch(Set.of(new Membership("nobody", 12345, Optional.empty())))))
        .containsExactly(m);
    assertThat(await("another session's watch(empty set)", b.watch(Set.of()))).containsExactly(m);
  }

  @Test
  default void watchOfTheCurrentSetWaitsForAJoinOrCancelByAnotherSession() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");
    Membership mine = await(a.join(bytes("mine"), Optional.of(LABEL)));
    Set<Membership> current = await(a.members());
    assertThat(current).containsExactly(mine);

    CompletableFuture<Set<Membership>> onJoin = a.watch(current);
    assertPending("watch(current) with no change", onJoin);
    Membership theirs = await(b.join(bytes("theirs"), Optional.empty()));
    assertThat(await("watch after another session joined", onJoin)).containsExactly(mine, theirs);

    CompletableFuture<Set<Membership>> onCancel = a.watch(Set.of(mine, theirs));
    assertPending("watch(current) with no change", onCancel);
    assertThat(await(b.cancel(theirs))).isTrue();
    assertThat(await("watch after another session cancelled", onCancel)).containsExactly(mine);

    awaitUntil("the other session lists the member", () -> await(b.members()).equals(Set.of(mine)));
    CompletableFuture<Set<Membership>> onOwnCancel = b.watch(Set.of(mine));
    assertPending("watch(current) with no change", onOwnCancel);
    assertThat(await(a.cancel(mine))).isTrue();
    assertThat(await("watch after the owner cancelled", onOwnCancel)).isEmpty();
  }

  @Test
  default void watchNeverMissesAChangeMadeAfterTheListing() {
    Group a = connect().session().group("");
    Group b = connect().session().group("");
    for (int i = 0; i < 5; i++) {
      Set<Membership> seen = await(a.members());
      // The join races the watch: whichever wins, the watch must see the change.
      CompletableFuture<Membership> join = b.join(bytes("race" + i), Optional.of(LABEL));
      Set<Membership> next = await("watch racing a join", a.watch(seen));
      assertThat(next).isNotEqualTo(seen);
      Membership joined = await(join);
      await("a watch chain reaching the raced join", watchChain(a, next, s -> s.contains(joined)));

      // The change is complete before the watch is even asked for.
      Set<Membership> before = await(a.members());
      assertThat(await(b.cancel(joined))).isTrue();
      Set<Membership> after = await("watch asked after the change", a.watch(before));
      assertThat(after).isNotEqualTo(before);
      await("a watch chain reaching the cancel", watchChain(a, after, s -> !s.contains(joined)));
    }
  }

  @Test
  default void watchChainObservesEveryMembershipOfAConcurrentBurst() {
    Group watcher = connect().session().group("");
    List<Group> writers =
        List.of(
            connect().session().group(""),
            connect().session().group(""),
            connect().session().group(""));
    Set<Membership> start = await(watcher.members());
    assertThat(start).isEmpty();

    // Joins only: every observed set must grow, and the chain must end at exactly the joined set.
    Set<Membership> expected = new HashSet<>();
    List<CompletableFuture<Membership>> joins = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      for (int w = 0; w < writers.size(); w++) {
        joins.add(writers.get(w).join(bytes("w" + w + "-" + i), Optional.of(LABEL)));
      }
    }
    CompletableFuture<List<Set<Membership>>> growing =
        watchChain(watcher, start, s -> s.size() >= joins.size());
    joins.forEach(j -> expected.add(await("burst join", j)));
    List<Set<Membership>> grew = await("watch chain over the joins", growing);
    assertThat(grew.get(grew.size() - 1)).as("last set observed").isEqualTo(expected);
    Set<Membership> previous = start;
    for (Set<Membership> s : grew) {
      assertThat(s).as("each observed set differs from the one before").isNotEqualTo(previous);
      assertThat(s)
          .as("while only joins happen, each set keeps every member of the one before")
          .containsAll(previous);
      assertThat(expected).as("observed members were all joined").containsAll(s);
      previous = s;
    }

    // Cancels only: every observed set must shrink, and the chain must end empty.
    Set<Membership> full = previous;
    CompletableFuture<List<Set<Membership>>> shrinking = watchChain(watcher, full, Set::isEmpty);
    List<CompletableFuture<Boolean>> cancels = new ArrayList<>();
    for (Membership m : expected) {
      for (Group w : writers) {
        cancels.add(w.cancel(m)); // only the owner's cancel succeeds
      }
    }
    long removed = cancels.stream().filter(c -> await("burst cancel", c)).count();
    assertThat(removed).as("cancels that removed a member").isEqualTo(expected.size());
    List<Set<Membership>> shrank = await("watch chain over the cancels", shrinking);
    previous = full;
    for (Set<Membership> s : shrank) {
      assertThat(s).as("each observed set differs from the one before").isNotEqualTo(previous);
      assertThat(previous)
          .as("while only cancels happen, each set is within the one before")
          .containsAll(s);
      previous = s;
    }
  }

  @Test
  default void groupsAtDifferentPathsAreIndependent() {
    HaSession a = connect().session();
    HaSession b = connect().session();
    HaSession elsewhere = connect(basePath() + "-sibling").session();
    Group base = a.group("");
    Group replicas = a.group(HaSession.LOG_REPLICAS);
    assertThat(replicas.path()).isEqualTo(basePath() + "/" + HaSession.LOG_REPLICAS);

    Membership inBase = await(base.join(bytes("base"), Optional.of(LABEL)));
    Membership inReplicas = await(replicas.join(bytes("replica"), Optional.empty()));
    Membership inSibling = await(elsewhere.group("").join(bytes("sibling"), Optional.of(LABEL)));

    assertThat(await(base.members())).containsExactly(inBase);
    assertThat(await(replicas.members())).containsExactly(inReplicas);
    assertThat(await(elsewhere.group("").members())).containsExactly(inSibling);
    awaitUntil(
        "the other session's base group",
        () -> await(b.group("").members()).equals(Set.of(inBase)));
    awaitUntil(
        "the other session's replica group",
        () -> await(b.group(HaSession.LOG_REPLICAS).members()).equals(Set.of(inReplicas)));

    // A change in one group does not wake a watcher of another.
    CompletableFuture<Set<Membership>> baseWatch = b.group("").watch(Set.of(inBase));
    CompletableFuture<Set<Membership>> replicaWatch =
        b.group(HaSession.LOG_REPLICAS).watch(Set.of(inReplicas));
    Membership second = await(replicas.join(bytes("replica2"), Optional.empty()));
    await(elsewhere.group("").join(bytes("sibling2"), Optional.of(LABEL)));
    assertThat(await("replica group watch", replicaWatch)).containsExactly(inReplicas, second);
    assertPending("base group watch after changes in other groups", baseWatch);
    assertThat(await(base.members())).containsExactly(inBase);
  }

  /**
   * Labels every store accepts, by the one label rule (1 to 128 letters, digits, {@code .}, {@code
   * _} or {@code -}, starting with a letter or digit): a master configured with one of them works
   * on any backend.
   */
  List<String> PORTABLE_LABELS =
      List.of("json.info", "info", "log_replicas", "9-lives", "A.b_c-D", "x".repeat(128));

  /**
   * Labels every store refuses, the same way: outside the rule, though some store could hold a few
   * of them.
   */
  List<String> REFUSED_LABELS =
      List.of(
          "",
          "a/b",
          "with space",
          "..",
          "_leading",
          "-leading",
          "tab\tin",
          "caf\u00e9",
          "x".repeat(129));

  @Test
  default void aPortableLabelIsAcceptedAndListedAsItWasGiven() {
    Group g = connect().session().group("");
    Group other = connect().session().group("");
    List<Membership> joined = new ArrayList<>();
    for (String label : PORTABLE_LABELS) {
      Membership m =
          await("join with label '" + label + "'", g.join(bytes(label), Optional.of(label)));
      assertThat(m.label())
          .as("label of the membership joined with '" + label + "'")
          .contains(label);
      joined.add(m);
    }
    assertThat(new ArrayList<>(await(g.members())))
        .as("members as the joining session lists them")
        .isEqualTo(joined);
    awaitUntil(
        "another session lists every member with its label",
        () -> new ArrayList<>(await(other.members())).equals(joined));
    // Each member's data is its label, so this also checks the label another session parsed from
    // the store.
    for (Membership m : await(other.members())) {
      assertThat(await(other.data(m)))
          .as("data of " + m)
          .hasValueSatisfying(
              d ->
                  assertThat(m.label())
                      .as("label as another session reads it")
                      .contains(new String(d, StandardCharsets.UTF_8)));
    }
  }

  /**
   * A refused label fails the join's future with an {@link IllegalArgumentException} that quotes
   * the label and says what is accepted; the call itself never throws (a caller handles one failure
   * path), and nothing is written.
   *
   * <p>Until the kit's one label rule is used by every backend (issue 11), this fails on etcd (its
   * rule differs and its message does not say "accepted:"), on Consul and ZooKeeper for some
   * labels, and on standalone (no rule).
   */
  @Test
  default void aRefusedLabelFailsTheJoinsFutureTheSameWayOnEveryStore() {
    Group g = connect().session().group("");
    for (String label : REFUSED_LABELS) {
      CompletableFuture<Membership> join;
      try {
        join = g.join(bytes("refused"), Optional.of(label));
      } catch (RuntimeException e) {
        throw new AssertionError(
            "join with label '" + label + "' threw instead of failing its future (issue 11): " + e,
            e);
      }
      Throwable refused = awaitFailure("join with label '" + label + "'", join);
      assertThat(refused)
          .as(
              "refusal of label '"
                  + label
                  + "' (issue 11: the kit's one label rule on every store)")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + label + "'")
          .hasMessageContaining("accepted:");
    }
    assertThat(await(g.members())).as("members after refused joins").isEmpty();
  }

  /**
   * A join whose answer is lost (the store made the member, the client never heard) still completes
   * once the connection is back, with the member the store made: exactly one member, held by the
   * session, never a second copy from a blind retry and never a ghost the session holds without
   * knowing it. Backend rules: a lost answer to a join is retryable trouble (retried inside), and a
   * member is adopted by the session that actually made it.
   */
  @Test
  default void aJoinWhoseAnswerIsLostLeavesExactlyTheOneMemberItReturns() throws Exception {
    FaultInjector lose = assumeFault(Fault.LOSE_ANSWER);
    TestClient x = connect();
    Group g = x.session().group("");
    Membership earlier =
        await("a join before the fault", g.join(bytes("earlier"), Optional.of(LABEL)));
    Group seen = connect().session().group("");
    awaitUntil(
        "another session lists the earlier member",
        () -> await(seen.members()).equals(Set.of(earlier)));

    CompletableFuture<Membership> join;
    lose.inject(x);
    try {
      join = g.join(bytes("answer lost"), Optional.of(LABEL));
      awaitUntil(
          "the store holds the member whose answer is being lost",
          () -> await(seen.members()).size() == 2);
      assertThat(join).as("the join, its answer lost").isNotDone();
    } finally {
      lose.heal(x);
    }
    Membership joined = await("the join whose answer was lost", join);
    Set<Membership> expected = Set.of(earlier, joined);
    awaitUntil(
        "the group holds exactly the earlier member and the one the join returned",
        () -> await(seen.members()).equals(expected));
    assertPendingFor(quietPeriod(), "a change of the group after it settled", seen.watch(expected));
    assertThat(await(g.members()))
        .as("members as the joining session lists them")
        .isEqualTo(expected);
    assertThat(joined.isHeld()).as("the returned membership is held").isTrue();
    assertThat(joined.cancelled()).as("the returned membership").isNotDone();
    assertThat(await(g.data(joined)))
        .hasValueSatisfying(d -> assertThat(d).isEqualTo(bytes("answer lost")));
    assertThat(await(g.cancel(joined))).isTrue();
    awaitUntil(
        "another session sees the cancel", () -> await(seen.members()).equals(Set.of(earlier)));
  }
}
