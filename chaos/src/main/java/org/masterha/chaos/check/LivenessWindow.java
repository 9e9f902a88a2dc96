package org.masterha.chaos.check;

/**
 * One liveness window of rule (f): after the heal of {@code faultId} at {@code heal}, some node had
 * to act as leader or be elected by {@code deadline}.
 *
 * @param gapNanos from the heal to the first act or elected at or after it; when none came, to the
 *     end of the history
 * @param met whether that came by the deadline
 */
public record LivenessWindow(int faultId, long heal, long deadline, long gapNanos, boolean met) {
  public double gapMillis() {
    return gapNanos / 1e6;
  }
}
