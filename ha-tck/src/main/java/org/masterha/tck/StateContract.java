package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.ValueTooLargeException;
import org.masterha.ha.state.Variable;

/**
 * The master's replicated state: versioned variables with compare-and-swap, and writes fenced by a
 * candidacy.
 *
 * <p>The fencing tests use {@link StaleView}: the candidacy as a deposed leader that was paused
 * sees it, elected and not yet lost, because its own timers have not run. The local check then lets
 * the write through, so only the store's atomic check of the leader's member can refuse it: that is
 * what these tests prove.
 *
 * <p>Skipped, visibly, for a backend that has no state store yet.
 */
public interface StateContract extends FixtureAccess {
  private State state(HaSession session) {
    try {
      return session.state();
    } catch (UnsupportedOperationException e) {
      Assumptions.abort(fixture().backend() + " has no state store: " + e.getMessage());
      throw e;
    }
  }

  private State fenced(HaSession session, Candidacy candidacy) {
    state(session); // skips the test where there is no state store
    return session.state(candidacy);
  }

  private Variable store(State state, Variable current, String value) {
    return await("store of " + current.name(), state.store(current, bytes(value)))
        .orElseThrow(
            () ->
                new AssertionError(
                    "store of "
                        + current.name()
                        + " at version "
                        + current.version()
                        + " had a conflict"));
  }

  private String text(Variable v) {
    return new String(v.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  default void fetchOfAnUnknownNameIsAnEmptyVariableAtVersionZero() {
    State state = state(connect().session());
    Variable v = await(state.fetch("never-stored"));
    assertThat(v.exists()).isFalse();
    assertThat(v.version()).isZero();
    assertThat(v.value()).isEmpty();
    assertThat(await(state.names())).doesNotContain("never-stored");
  }

  @Test
  default void storeCreatesThenEachStoreGivesAHigherVersionAndAStaleVersionConflicts() {
    State state = state(connect().session());
    Variable v1 = store(state, await(state.fetch("agents")), "a1");
    assertThat(v1.version()).isPositive();
    Variable v2 = store(state, v1, "a1,a2");
    assertThat(v2.version()).isGreaterThan(v1.version());

    assertThat(await(state.store(v1, bytes("stale")))).as("store against an old version").isEmpty();
    assertThat(await(state.store(Variable.absent("agents"), bytes("again"))))
        .as("create of an existing name")
        .isEmpty();
    Variable fetched = await(state.fetch("agents"));
    assertThat(fetched).isEqualTo(v2);
    assertThat(text(fetched)).isEqualTo("a1,a2");
  }

  @Test
  default void anotherSessionSeesTheStoredValueAndItsVersion() {
    State writer = state(connect().session());
    State reader = state(connect().session());
    Variable stored = store(writer, Variable.absent("shared"), "from-writer");
    awaitUntil(
        "the other session reads the stored value",
        () -> await(reader.fetch("shared")).equals(stored));
    Variable next = store(reader, await(reader.fetch("shared")), "from-reader");
    assertThat(await(writer.store(stored, bytes("lost update"))))
        .as("the writer's stale version")
        .isEmpty();
    awaitUntil(
        "the writer reads the reader's value", () -> await(writer.fetch("shared")).equals(next));
  }

  @Test
  default void valuesRoundTripByteForByteUpToTheLimitAndAboveItNothingIsWritten() {
    State state = state(connect().session());
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    Variable b = await(state.store(Variable.absent("binary"), binary)).orElseThrow();
    assertThat(await(state.fetch("binary")).value()).isEqualTo(binary);
    Variable empty = await(state.store(b, new byte[0])).orElseThrow();
    assertThat(await(state.fetch("binary"))).isEqualTo(empty);

    byte[] largest = new byte[state.maxValueBytes()];
    Arrays.fill(largest, (byte) 'x');
    Variable big =
        await("store of the largest value", state.store(Variable.absent("big"), largest))
            .orElseThrow();
    assertThat(await(state.fetch("big")).value()).hasSize(largest.length);

    Throwable tooLarge =
        awaitFailure(
            "store above the limit",
            attempt(() -> state.store(big, new byte[state.maxValueBytes() + 1])));
    assertThat(tooLarge).isInstanceOf(ValueTooLargeException.class).hasMessageContaining("'big'");
    assertThat(await(state.fetch("big"))).as("after a refused store").isEqualTo(big);
  }

  @Test
  default void expungeDeletesOnlyTheCurrentVersionAndNamesListWhatExists() {
    State state = state(connect().session());
    Variable a1 = store(state, Variable.absent("a"), "1");
    Variable a2 = store(state, a1, "2");
    store(state, Variable.absent("b"), "1");
    assertThat(await(state.names())).containsExactlyInAnyOrder("a", "b");

    assertThat(await(state.expunge(a1))).as("expunge of an old version").isFalse();
    assertThat(await(state.fetch("a"))).isEqualTo(a2);
    assertThat(await(state.expunge(a2))).as("expunge of the current version").isTrue();
    assertThat(await(state.fetch("a")).exists()).isFalse();
    assertThat(await(state.expunge(a2))).as("expunge of a deleted variable").isFalse();
    assertThat(await(state.names())).containsExactly("b");

    Variable again = store(state, Variable.absent("a"), "3");
    assertThat(again.version())
        .as("a re-created variable never reuses an old version")
        .isGreaterThan(a2.version());
  }

  @Test
  default void concurrentCompareAndSwapWritersLoseNoUpdate() {
    int writers = 4;
    int incrementsEach = 10;
    List<State> states = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      states.add(state(connect().session()));
    }
    AtomicInteger conflicts = new AtomicInteger();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (State s : states) {
      done.add(
          CompletableFuture.runAsync(
              () -> {
                for (int n = 0; n < incrementsEach; ) {
                  Variable current = await(s.fetch("counter"));
                  int value = current.exists() ? Integer.parseInt(text(current)) : 0;
                  if (await(s.store(current, bytes(Integer.toString(value + 1)))).isPresent()) {
                    n++;
                  } else {
                    conflicts.incrementAndGet();
                  }
                }
              },
              executor()));
    }
    await("all writers", CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)));
    assertThat(text(await(states.get(0).fetch("counter"))))
        .isEqualTo(Integer.toString(writers * incrementsEach));
  }

  @Test
  default void fencedWritesSucceedForTheLeaderAndAreRefusedForAStandby() {
    TestClient leaderClient = connect();
    Candidacy leader = await(contender(leaderClient, masterInfo("leader", 5050)).contend());
    await(leader.elected());
    TestClient standbyClient = connect();
    Candidacy standby = await(contender(standbyClient, masterInfo("standby", 5051)).contend());

    State leaderState = fenced(leaderClient.session(), leader);
    Variable v = store(leaderState, await(leaderState.fetch("registry")), "agent-1");

    State standbyState = fenced(standbyClient.session(), standby);
    Throwable refused =
        awaitFailure(
            "a standby's fenced store",
            attempt(() -> standbyState.store(v, bytes("standby wrote"))));
    assertThat(refused)
        .isInstanceOf(LeadershipLostException.class)
        .hasMessageContaining("registry");
    assertThat(awaitFailure("a standby's fenced expunge", attempt(() -> standbyState.expunge(v))))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(await(leaderState.fetch("registry"))).isEqualTo(v);
  }

  @Test
  default void aDeposedLeaderThatDoesNotKnowItIsRefusedByTheStoreAndTheNewLeadersDataIsIntact() {
    TestClient oldClient = connect();
    Contender oldContender = contender(oldClient, masterInfo("old", 5050));
    Candidacy old = await(oldContender.contend());
    Leader oldAsElected = await(old.elected());
    State oldState = fenced(oldClient.session(), old);
    Variable first = store(oldState, Variable.absent("registry"), "written by the old leader");

    TestClient newClient = connect();
    Candidacy successor = await(contender(newClient, masterInfo("new", 5051)).contend());
    await(oldContender.withdraw());
    await("election of the successor", successor.elected());
    State newState = fenced(newClient.session(), successor);
    Variable second =
        store(newState, await(newState.fetch("registry")), "written by the new leader");

    // The old leader wakes up believing it still leads, holding the version it last wrote.
    State paused = oldClient.session().state(StaleView.of(old, oldAsElected));
    Throwable refused =
        awaitFailure(
            "the deposed leader's store",
            attempt(() -> paused.store(first, bytes("stale leader"))));
    assertThat(refused).isInstanceOf(LeadershipLostException.class);
    Throwable refusedCurrent =
        awaitFailure(
            "the deposed leader's store at the current version",
            attempt(() -> paused.store(second, bytes("stale leader"))));
    assertThat(refusedCurrent)
        .as("refused for leadership, not for the version")
        .isInstanceOf(LeadershipLostException.class);
    assertThat(awaitFailure("the deposed leader's expunge", attempt(() -> paused.expunge(second))))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(await(newState.fetch("registry"))).isEqualTo(second);
  }

  @Test
  default void aLeaderCutOffUntilAnotherIsElectedCannotWriteWhenItsConnectionReturns()
      throws Exception {
    FaultInjector cut = assumeFault(Fault.CUT_CONNECTION);
    TestClient oldClient = connect();
    Candidacy old = await(contender(oldClient, masterInfo("cut", 5050)).contend());
    Leader oldAsElected = await(old.elected());
    Variable first =
        store(fenced(oldClient.session(), old), Variable.absent("registry"), "before the cut");

    TestClient newClient = connect();
    Candidacy successor = await(contender(newClient, masterInfo("successor", 5051)).contend());
    cut.inject(oldClient);
    Variable second;
    State newState = fenced(newClient.session(), successor);
    try {
      await("election of the successor while the old leader is cut off", successor.elected());
      second = store(newState, await(newState.fetch("registry")), "after the failover");
    } finally {
      cut.heal(oldClient);
    }
    State paused = oldClient.session().state(StaleView.of(old, oldAsElected));
    for (Variable attempt : List.of(first, second)) {
      Throwable refused =
          awaitFailure(
              "the old leader's store at version " + attempt.version(),
              attempt(() -> paused.store(attempt, bytes("from the old leader"))));
      assertThat(refused).isInstanceOf(LeadershipLostException.class);
    }
    assertThat(await(newState.fetch("registry"))).isEqualTo(second);
    assertThat(text(await(newState.fetch("registry")))).isEqualTo("after the failover");
  }

  /** State names every store accepts, by the one name rule. */
  List<String> PORTABLE_NAMES =
      List.of("registry", "a", "9", "agents.v2", "max_agents", "x-y", "x".repeat(128));

  /** State names every store refuses, the same way. */
  List<String> REFUSED_NAMES =
      List.of("", "a/b", "with space", ".hidden", "_x", "-x", "..", "caf\u00e9", "x".repeat(129));

  @Test
  default void aPortableStateNameIsAcceptedByEveryStore() {
    State state = state(connect().session());
    for (String name : PORTABLE_NAMES) {
      Variable v = store(state, await("fetch of '" + name + "'", state.fetch(name)), name);
      assertThat(await(state.fetch(name))).as("'" + name + "' read back").isEqualTo(v);
    }
    assertThat(await(state.names())).containsExactlyInAnyOrderElementsOf(PORTABLE_NAMES);
  }

  /**
   * A refused name fails the future with an {@link IllegalArgumentException} quoting it and saying
   * what is accepted; the call never throws. ({@link Variable} itself refuses such a name when it
   * is built, so a refused name can only reach a store through {@code fetch}.)
   *
   * <p>Fails on etcd and standalone until the kit's one name check is used by every backend (issue
   * 11): they throw from {@code fetch} today instead of failing its future.
   */
  @Test
  default void aRefusedStateNameFailsTheFutureTheSameWayOnEveryStore() {
    State state = state(connect().session());
    for (String name : REFUSED_NAMES) {
      CompletableFuture<Variable> fetch;
      try {
        fetch = state.fetch(name);
      } catch (RuntimeException e) {
        throw new AssertionError(
            "fetch of '" + name + "' threw instead of failing its future (issue 11): " + e, e);
      }
      Throwable refused = awaitFailure("fetch of '" + name + "'", fetch);
      assertThat(refused)
          .as("refusal of '" + name + "' (issue 11: the kit's one name check on every store)")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + name + "'")
          .hasMessageContaining("accepted:");
    }
    assertThat(await(state.names())).as("names after refused calls").isEmpty();
  }

  /**
   * A write the store applied whose answer never reached the client fails with {@link
   * OutcomeUnknownException} once the client sees its connection die: not a success (nobody
   * confirmed it), not a conflict (what a blind second copy of the compare-and-swap would report,
   * against its own first copy) and not silently retried. The caller fetches the variable to learn
   * what happened; here it finds the write applied exactly once.
   *
   * <p>A backend may also hold a write back until the store answers it at all (etcd's backend first
   * reads): then nothing is applied while answers are lost, and once the connection is back the
   * write is sent, once. Which of the two happened is watched for {@link #promptBound()}; either
   * way a conflict, another failure or a second application fails the test.
   */
  @Test
  default void aWriteWhoseAnswerIsLostFailsAsOutcomeUnknownAndIsNotSentAgain() throws Exception {
    FaultInjector lose = assumeFault(Fault.LOSE_ANSWER);
    TestClient writer = connect();
    State state = state(writer.session());
    Variable before = store(state, Variable.absent("registry"), "before");
    State observer = state(connect().session());
    awaitUntil(
        "another session reads the first write",
        () -> await(observer.fetch("registry")).equals(before));

    CompletableFuture<Optional<Variable>> write;
    boolean appliedWhileLost;
    lose.inject(writer);
    try {
      write = state.store(before, bytes("applied, answer lost"));
      appliedWhileLost =
          holdsWithin(
              promptBound(), () -> await(observer.fetch("registry")).version() > before.version());
      assertThat(write).as("the write, its answer lost").isNotDone();
    } finally {
      lose.heal(writer);
    }
    if (appliedWhileLost) {
      Throwable unknown = awaitFailure("the write whose answer was lost", write);
      assertThat(unknown)
          .isInstanceOf(OutcomeUnknownException.class)
          .isNotInstanceOf(LeadershipLostException.class)
          .hasMessageContaining("registry");
    } else {
      CompletableFuture<Optional<Variable>> answered =
          write.exceptionally(
              e -> {
                if (causedBy(e, OutcomeUnknownException.class)) {
                  return Optional.empty(); // also true to the contract: the caller fetches, below
                }
                throw new AssertionError(
                    "the write held back while answers were lost failed: " + e, e);
              });
      await("the write held back while answers were lost", answered)
          .ifPresent(
              v -> assertThat(text(v)).as("the write's answer").isEqualTo("applied, answer lost"));
    }
    Variable applied = await(observer.fetch("registry"));
    assertThat(text(applied)).isEqualTo("applied, answer lost");
    assertThat(await(state.fetch("registry")))
        .as("the writer's fetch after the outcome")
        .isEqualTo(applied);
    assertThat(await(state.store(before, bytes("stale"))))
        .as("the version held before is stale now")
        .isEmpty();
    Variable next = store(state, applied, "after");
    assertThat(next.version()).isGreaterThan(applied.version());
  }
}
