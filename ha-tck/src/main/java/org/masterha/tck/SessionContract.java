package org.masterha.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;

/**
 * A session as a whole: what it says about itself, and the clean exit ({@code docs/contract.md}
 * rule 4: a member that shuts down cleanly is deleted at once, not left to expire) after which
 * nothing may be done with it.
 */
public interface SessionContract extends FixtureAccess {
  @Test
  default void sessionDescribesItsBackendAndConfig() {
    HaSession s = connect().session();
    assertThat(s.backend()).isEqualTo(fixture().backend());
    assertThat(s.config().basePath()).isEqualTo(basePath());
    assertThat(s.config().sessionTimeout()).isEqualTo(testSessionTimeout());
    await(s.group("").join(bytes("x"), Optional.empty()));
    assertThat(s.sessionId()).as("session id once the session has a member").isNotBlank();
    assertThat(connect().session().sessionId())
        .as("another session's id")
        .isNotEqualTo(s.sessionId());
  }

  @Test
  default void cleanCloseRemovesTheSessionsMembersAtOnce() {
    HaSession closing = connect().session();
    HaSession otherSession = connect().session();
    Group other = otherSession.group("");
    Membership base =
        await(closing.group("").join(bytes("base"), Optional.of(GroupContract.LABEL)));
    Membership replica =
        await(closing.group(HaSession.LOG_REPLICAS).join(bytes("replica"), Optional.empty()));
    Membership survivor = await(other.join(bytes("survivor"), Optional.of(GroupContract.LABEL)));
    awaitUntil(
        "the other session lists both members",
        () -> await(other.members()).equals(Set.of(base, survivor)));
    CompletableFuture<Set<Membership>> change = other.watch(Set.of(base, survivor));

    long start = System.nanoTime();
    closing.close();
    Set<Membership> after = await("the other session's watch after the clean close", change);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(after).containsExactly(survivor);
    assertThat(took)
        .as("a clean close deletes members at once instead of letting them expire")
        .isLessThan(promptBound());
    assertThat(await("cancelled() of a member removed by a clean close", base.cancelled()))
        .as("a clean close removes the members on purpose")
        .isTrue();
    assertThat(await("cancelled() of a member removed by a clean close", replica.cancelled()))
        .isTrue();
    awaitUntil(
        "the closed session's replica member is gone",
        () -> await(otherSession.group(HaSession.LOG_REPLICAS).members()).isEmpty());
  }

  @Test
  default void closedSessionFailsPendingWatchesAndLaterOperations() {
    HaSession s = connect().session();
    Group g = s.group("");
    Membership m = await(g.join(bytes("x"), Optional.of(GroupContract.LABEL)));
    Set<Membership> current = await(g.members());
    CompletableFuture<Set<Membership>> watch = g.watch(current);
    Detector detector = s.detector();
    // The only member is no master, so this detection waits: a clean close must fail it, not answer
    // it.
    CompletableFuture<Optional<Leader>> detection = detector.detect(Optional.empty());
    assertPending("watch and detection before the close", watch, detection);

    s.close();
    assertThat(awaitFailure("pending watch of a closed session", watch))
        .as("a pending watch fails with SessionClosedException")
        .isInstanceOf(SessionClosedException.class);
    assertThat(
            causedBy(
                awaitFailure("pending detection of a closed session", detection),
                SessionClosedException.class))
        .as("a pending detection fails with SessionClosedException")
        .isTrue();
    assertThat(await(m.cancelled())).isTrue();

    assertThat(
            awaitFailure(
                "join on a closed session", attempt(() -> g.join(bytes("y"), Optional.empty()))))
        .isInstanceOf(SessionClosedException.class);
    assertThat(awaitFailure("watch on a closed session", attempt(() -> g.watch(Set.of()))))
        .isInstanceOf(SessionClosedException.class);
    assertThat(awaitFailure("members on a closed session", attempt(g::members)))
        .isInstanceOf(SessionClosedException.class);
    s.close(); // idempotent
    detector.close();
  }
}
