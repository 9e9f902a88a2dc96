package org.masterha.ha.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link Membership#isHeld()}: decided at the call from the session's trust and the cancelled
 * future.
 */
class MembershipTest {
  @Test
  void heldWhileNotCancelledAndTheSessionIsTrustedAtTheMomentOfTheCall() {
    AtomicBoolean trusted = new AtomicBoolean(true);
    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    Membership m =
        new Membership(
            "json.info_0000000007", 7, Optional.of("json.info"), cancelled, trusted::get);
    assertThat(m.isHeld()).isTrue();
    trusted.set(false);
    assertThat(m.isHeld())
        .as("the session's deadline passed, cancelled not completed yet")
        .isFalse();
    trusted.set(true);
    cancelled.complete(false);
    assertThat(m.isHeld()).as("lost").isFalse();
  }

  @Test
  void aMembershipSeenInAListingIsNeverHeldAndEqualsOurs() {
    Membership listed = new Membership("json.info_0000000007", 7, Optional.of("json.info"));
    Membership ours =
        new Membership(
            "json.info_0000000007",
            7,
            Optional.of("json.info"),
            new CompletableFuture<>(),
            () -> true);
    assertThat(listed.isHeld()).isFalse();
    assertThat(listed).isEqualTo(ours).hasSameHashCodeAs(ours);
  }
}
