package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaSession;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.pid.PidGroup;
import org.masterha.ha.pid.PidGroup.SizeCondition;

/**
 * The replicated log's replica group ({@code docs/contract.md}, "PID group", Mesos {@code
 * log_replicas}): unlabelled members whose data is the endpoint, and watches by size.
 */
public interface PidGroupContract extends FixtureAccess {
  String E1 = "log-replica(1)@127.0.0.1:5050";
  String E2 = "log-replica(1)@127.0.0.1:5051";
  String E3 = "log-replica(1)@127.0.0.1:5052";

  @Test
  default void pidGroupPublishesEndpointsAsUnlabelledReplicaMembers() {
    HaSession a = connect().session();
    HaSession b = connect().session();
    Membership m1 = await(a.pidGroup().join(E1));
    Membership m2 = await(b.pidGroup().join(E2));
    assertThat(m1.label()).isEmpty();
    assertThat(m2.sequence()).isGreaterThan(m1.sequence());
    awaitUntil(
        "both sessions see both endpoints",
        () ->
            await(a.pidGroup().endpoints()).equals(Set.of(E1, E2))
                && await(b.pidGroup().endpoints()).equals(Set.of(E1, E2)));

    Group replicas = a.group(HaSession.LOG_REPLICAS);
    assertThat(await(replicas.members())).containsExactly(m1, m2);
    assertThat(await(replicas.data(m1)))
        .hasValueSatisfying(d -> assertThat(d).isEqualTo(bytes(E1)));
    assertThat(await(a.group("").members())).as("replicas are not in the masters' group").isEmpty();
  }

  @Test
  default void pidGroupWatchHonoursEverySizeCondition() {
    PidGroup a = connect().session().pidGroup();
    PidGroup b = connect().session().pidGroup();
    await(a.join(E1));
    Membership m2 = await(b.join(E2));
    awaitUntil("the watching session sees both endpoints", () -> await(a.endpoints()).size() == 2);

    // Satisfied by the current size of 2: answered without any change.
    Map<SizeCondition, Integer> satisfied = new EnumMap<>(SizeCondition.class);
    satisfied.put(SizeCondition.EQUAL_TO, 2);
    satisfied.put(SizeCondition.NOT_EQUAL_TO, 3);
    satisfied.put(SizeCondition.LESS_THAN, 3);
    satisfied.put(SizeCondition.LESS_THAN_OR_EQUAL_TO, 2);
    satisfied.put(SizeCondition.GREATER_THAN, 1);
    satisfied.put(SizeCondition.GREATER_THAN_OR_EQUAL_TO, 2);
    satisfied.forEach(
        (condition, size) ->
            assertThat(await(condition + " " + size + " with 2 members", a.watch(size, condition)))
                .containsExactlyInAnyOrder(E1, E2));

    // Not satisfied by 2, satisfied by 3.
    List<CompletableFuture<Set<String>>> growing = new ArrayList<>();
    growing.add(a.watch(3, SizeCondition.EQUAL_TO));
    growing.add(a.watch(2, SizeCondition.NOT_EQUAL_TO));
    growing.add(a.watch(2, SizeCondition.GREATER_THAN));
    growing.add(a.watch(3, SizeCondition.GREATER_THAN_OR_EQUAL_TO));
    // Not satisfied by 2 or 3, satisfied by 2 after a leave.
    List<CompletableFuture<Set<String>>> shrinking = new ArrayList<>();
    shrinking.add(a.watch(2, SizeCondition.LESS_THAN));
    shrinking.add(a.watch(1, SizeCondition.LESS_THAN_OR_EQUAL_TO));
    shrinking.add(a.watch(1, SizeCondition.EQUAL_TO));
    List<CompletableFuture<?>> all = new ArrayList<>(growing);
    all.addAll(shrinking);
    assertPending("size watches not satisfied by 2 members", all.toArray(CompletableFuture[]::new));

    Membership m3 = await(b.join(E3));
    for (CompletableFuture<Set<String>> w : growing) {
      assertThat(await("a size watch satisfied by the third member", w))
          .containsExactlyInAnyOrder(E1, E2, E3);
    }
    assertPending(
        "size watches not satisfied by 3 members", shrinking.toArray(CompletableFuture[]::new));

    assertThat(await(b.leave(m3))).isTrue();
    awaitUntil("the watching session sees the leave", () -> await(a.endpoints()).size() == 2);
    assertPending(
        "size watches not satisfied by 2 members", shrinking.toArray(CompletableFuture[]::new));
    assertThat(await(b.leave(m2))).isTrue();
    for (CompletableFuture<Set<String>> w : shrinking) {
      assertThat(await("a size watch satisfied by the one member left", w)).containsExactly(E1);
    }
  }

  @Test
  default void pidGroupLeaveRemovesOnlyOurOwnEndpoint() {
    PidGroup a = connect().session().pidGroup();
    PidGroup b = connect().session().pidGroup();
    Membership m1 = await(a.join(E1));
    Membership m2 = await(b.join(E2));
    assertThat(await("leave of another session's member", b.leave(m1))).isFalse();
    assertThat(await(a.leave(m1))).isTrue();
    assertThat(await(m1.cancelled())).isTrue();
    assertThat(await(a.leave(m1))).as("second leave").isFalse();
    awaitUntil(
        "both sessions see only the remaining endpoint",
        () -> await(a.endpoints()).equals(Set.of(E2)) && await(b.endpoints()).equals(Set.of(E2)));
    assertThat(m2.cancelled()).isNotDone();
  }

  @Test
  default void pidGroupRejectsBadArguments() {
    PidGroup p = connect().session().pidGroup();
    assertThat(awaitFailure("join with an empty endpoint", attempt(() -> p.join(""))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            awaitFailure(
                "watch with a negative size", attempt(() -> p.watch(-1, SizeCondition.EQUAL_TO))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(await(p.endpoints())).isEmpty();
  }
}
