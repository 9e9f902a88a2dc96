package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaSession;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.ValueTooLargeException;
import org.masterha.ha.state.Variable;

/**
 * The master's replicated state: versioned variables with compare-and-swap, and writes fenced by a candidacy.
 *
 * <p>The fencing tests use {@link #staleView}: the candidacy as a deposed leader that was paused sees it, elected
 * and not yet lost, because its own timers have not run. The local check then lets the write through, so only
 * the store's atomic check of the leader's member can refuse it: that is what these tests prove.
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

  /** The candidacy as a paused, deposed leader believes it to be: elected, and not lost. */
  default Candidacy staleView(Candidacy real, Leader asElected) {
    return new Candidacy() {
      @Override
      public long epoch() {
        return real.epoch();
      }

      @Override
      public Membership membership() {
        return real.membership();
      }

      @Override
      public CompletableFuture<Void> lost() {
        return new CompletableFuture<>();
      }

      @Override
      public CompletableFuture<Leader> elected() {
        return CompletableFuture.completedFuture(asElected);
      }

      @Override
      public boolean isLeader() {
        return true; // what a paused process believed before it resumed
      }
    };
  }

  private Variable store(State state, Variable current, String value) {
    return await("store of " + current.name(), state.store(current, bytes(value))).orElseThrow(
        () -> new AssertionError("store of " + current.name() + " at version " + current.version() + " had a conflict"));
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
    assertThat(await(state.store(Variable.absent("agents"), bytes("again")))).as("create of an existing name").isEmpty();
    Variable fetched = await(state.fetch("agents"));
    assertThat(fetched).isEqualTo(v2);
    assertThat(text(fetched)).isEqualTo("a1,a2");
  }

  @Test
  default void anotherSessionSeesTheStoredValueAndItsVersion() {
    State writer = state(connect().session());
    State reader = state(connect().session());
    Variable stored = store(writer, Variable.absent("shared"), "from-writer");
    awaitUntil("the other session reads the stored value", () -> await(reader.fetch("shared")).equals(stored));
    Variable next = store(reader, await(reader.fetch("shared")), "from-reader");
    assertThat(await(writer.store(stored, bytes("lost update")))).as("the writer's stale version").isEmpty();
    awaitUntil("the writer reads the reader's value", () -> await(writer.fetch("shared")).equals(next));
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
    Variable big = await("store of the largest value", state.store(Variable.absent("big"), largest)).orElseThrow();
    assertThat(await(state.fetch("big")).value()).hasSize(largest.length);

    Throwable tooLarge = awaitFailure("store above the limit", attempt(() -> state.store(big, new byte[state.maxValueBytes() + 1])));
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
    assertThat(again.version()).as("a re-created variable never reuses an old version").isGreaterThan(a2.version());
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
      done.add(CompletableFuture.runAsync(() -> {
        for (int n = 0; n < incrementsEach; ) {
          Variable current = await(s.fetch("counter"));
          int value = current.exists() ? Integer.parseInt(text(current)) : 0;
          if (await(s.store(current, bytes(Integer.toString(value + 1)))).isPresent()) {
            n++;
          } else {
            conflicts.incrementAndGet();
          }
        }
      }, executor()));
    }
    await("all writers", CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)));
    assertThat(text(await(states.get(0).fetch("counter")))).isEqualTo(Integer.toString(writers * incrementsEach));
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
    Throwable refused = awaitFailure("a standby's fenced store", attempt(() -> standbyState.store(v, bytes("standby wrote"))));
    assertThat(refused).isInstanceOf(LeadershipLostException.class).hasMessageContaining("registry");
    assertThat(awaitFailure("a standby's fenced expunge", attempt(() -> standbyState.expunge(v)))).isInstanceOf(LeadershipLostException.class);
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
    Variable second = store(newState, await(newState.fetch("registry")), "written by the new leader");

    // The old leader wakes up believing it still leads, holding the version it last wrote.
    State paused = oldClient.session().state(staleView(old, oldAsElected));
    Throwable refused = awaitFailure("the deposed leader's store", attempt(() -> paused.store(first, bytes("stale leader"))));
    assertThat(refused).isInstanceOf(LeadershipLostException.class);
    Throwable refusedCurrent = awaitFailure("the deposed leader's store at the current version",
        attempt(() -> paused.store(second, bytes("stale leader"))));
    assertThat(refusedCurrent).as("refused for leadership, not for the version").isInstanceOf(LeadershipLostException.class);
    assertThat(awaitFailure("the deposed leader's expunge", attempt(() -> paused.expunge(second)))).isInstanceOf(LeadershipLostException.class);
    assertThat(await(newState.fetch("registry"))).isEqualTo(second);
  }

  @Test
  default void aLeaderCutOffUntilAnotherIsElectedCannotWriteWhenItsConnectionReturns() {
    Assumptions.assumeTrue(fixture().faults().contains(Fault.CUT_CONNECTION), fixture().backend() + " fixture cannot inject " + Fault.CUT_CONNECTION);
    TestClient oldClient = connect();
    Candidacy old = await(contender(oldClient, masterInfo("cut", 5050)).contend());
    Leader oldAsElected = await(old.elected());
    Variable first = store(fenced(oldClient.session(), old), Variable.absent("registry"), "before the cut");

    TestClient newClient = connect();
    Candidacy successor = await(contender(newClient, masterInfo("successor", 5051)).contend());
    oldClient.cutConnection();
    Variable second;
    State newState = fenced(newClient.session(), successor);
    try {
      await("election of the successor while the old leader is cut off", successor.elected());
      second = store(newState, await(newState.fetch("registry")), "after the failover");
    } finally {
      oldClient.restoreConnection();
    }
    State paused = oldClient.session().state(staleView(old, oldAsElected));
    for (Variable attempt : List.of(first, second)) {
      Throwable refused = awaitFailure("the old leader's store at version " + attempt.version(),
          attempt(() -> paused.store(attempt, bytes("from the old leader"))));
      assertThat(refused).isInstanceOf(LeadershipLostException.class);
    }
    assertThat(await(newState.fetch("registry"))).isEqualTo(second);
    assertThat(text(await(newState.fetch("registry")))).isEqualTo("after the failover");
  }
}
