package org.masterha.ha.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.ha.leader.EpochGuard.Verdict.ACCEPT;
import static org.masterha.ha.leader.EpochGuard.Verdict.NEW_LINE;
import static org.masterha.ha.leader.EpochGuard.Verdict.REFUSE;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EpochGuardTest {
  private static final long SECOND = 1_000_000_000L;
  private final EpochGuard guard = new EpochGuard(Duration.ofSeconds(10));

  @Test
  void epochsThatDoNotGoBackAreAccepted() {
    assertThat(guard.offer(5, 0)).isEqualTo(ACCEPT);
    assertThat(guard.offer(5, SECOND)).isEqualTo(ACCEPT);
    assertThat(guard.offer(9, 2 * SECOND)).isEqualTo(ACCEPT);
    assertThat(guard.highest()).isEqualTo(9);
    assertThat(guard.line()).isZero();
  }

  @Test
  void aLowerEpochIsRefusedUntilItHasLastedTheWholePeriod() {
    guard.offer(9, 0);
    assertThat(guard.offer(3, SECOND)).isEqualTo(REFUSE);
    assertThat(guard.regressing()).isTrue();
    assertThat(guard.nanosToConfirm(4 * SECOND)).isEqualTo(7 * SECOND);
    assertThat(guard.offer(3, 10 * SECOND)).isEqualTo(REFUSE);
    assertThat(guard.offer(3, 11 * SECOND)).isEqualTo(NEW_LINE);
    assertThat(guard.line()).isEqualTo(1);
    assertThat(guard.highest()).isEqualTo(3);
    assertThat(guard.regressing()).isFalse();
    // Within the new line, the rule holds again.
    assertThat(guard.offer(2, 12 * SECOND)).isEqualTo(REFUSE);
    assertThat(guard.offer(4, 13 * SECOND)).isEqualTo(ACCEPT);
    assertThat(guard.line()).isEqualTo(1);
  }

  @Test
  void aViewThatCatchesUpEndsTheRegressAndItsClock() {
    guard.offer(9, 0);
    guard.offer(3, SECOND);
    assertThat(guard.offer(9, 5 * SECOND)).isEqualTo(ACCEPT);
    assertThat(guard.regressing()).isFalse();
    // A new regress starts its own clock: the earlier one does not count.
    assertThat(guard.offer(3, 8 * SECOND)).isEqualTo(REFUSE);
    assertThat(guard.offer(3, 12 * SECOND)).isEqualTo(REFUSE);
    assertThat(guard.offer(3, 18 * SECOND)).isEqualTo(NEW_LINE);
  }

  @Test
  void theConfirmationPeriodMustBePositive() {
    assertThatThrownBy(() -> new EpochGuard(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
