package org.masterha.ha.leader;

import java.time.Duration;
import java.util.Objects;

/**
 * The rule "detection never goes back" (docs/contract.md, rule 3), kept by one observer of leaders:
 * it remembers the highest epoch it accepted and refuses a lower one, which a lagging view of the
 * store can show for a moment.
 *
 * <p>A lower epoch that every observation keeps showing for a whole confirmation period (the
 * session timeout) is no lagging view: the store itself went back in time. It was wiped, its base
 * path was deleted and re-created, or it was restored from a backup, and the epochs its members get
 * now start again below the ones seen before. Refusing them forever would hide every new leader. So
 * the guard then starts a new <em>epoch line</em>: it accepts the lower epoch, {@link #line()} goes
 * up by one, and from then on epochs compare within the new line. The caller logs this loudly
 * (services that keep the highest epoch they have seen must start again from the new one).
 *
 * <p>An observation at or above the highest epoch ends a regress (the view caught up); "no leader"
 * neither ends nor confirms one. Thread-safe; time is the caller's {@link System#nanoTime()}.
 */
public final class EpochGuard {
  /** What to do with an observed epoch. */
  public enum Verdict {
    /** At or above the highest epoch seen: report it. */
    ACCEPT,
    /** Below it, not (yet) for a whole confirmation period: a lagging view; do not report it. */
    REFUSE,
    /** Below it for a whole confirmation period: the store went back; a new line starts with it. */
    NEW_LINE
  }

  private final long confirmNanos;
  private long highest = -1;
  private long line;
  private long regressSince;
  private boolean regressing;

  /** A guard that confirms a regress after {@code confirmAfter} (the session timeout). */
  public EpochGuard(Duration confirmAfter) {
    Objects.requireNonNull(confirmAfter, "confirmAfter");
    if (confirmAfter.isNegative() || confirmAfter.isZero()) {
      throw new IllegalArgumentException(
          "the confirmation period of an epoch regress must be positive, got " + confirmAfter);
    }
    this.confirmNanos = confirmAfter.toNanos();
  }

  /** Judges a leader of {@code epoch} observed at {@code nowNanos}. */
  public synchronized Verdict offer(long epoch, long nowNanos) {
    if (epoch >= highest) {
      highest = epoch;
      regressing = false;
      return Verdict.ACCEPT;
    }
    if (!regressing) {
      regressing = true;
      regressSince = nowNanos;
      return Verdict.REFUSE;
    }
    if (nowNanos - regressSince < confirmNanos) {
      return Verdict.REFUSE;
    }
    line++;
    highest = epoch;
    regressing = false;
    return Verdict.NEW_LINE;
  }

  /** The highest epoch accepted on the current line; -1 before the first. */
  public synchronized long highest() {
    return highest;
  }

  /** The epoch line: 0 at first, one more each time the store was found to have gone back. */
  public synchronized long line() {
    return line;
  }

  /**
   * Nanoseconds until a regress seen now would be confirmed if it lasts; 0 when there is no regress
   * under way or it is due.
   */
  public synchronized long nanosToConfirm(long nowNanos) {
    return regressing ? Math.max(0, confirmNanos - (nowNanos - regressSince)) : 0;
  }

  /** Whether a lower epoch is being refused now, not yet confirmed. */
  public synchronized boolean regressing() {
    return regressing;
  }
}
