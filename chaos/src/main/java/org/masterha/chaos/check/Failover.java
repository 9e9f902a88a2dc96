package org.masterha.chaos.check;

/**
 * How long leadership took to move after a fault: from the fault's start to the first {@code
 * elected} of another epoch, if one came before the next fault started.
 */
public record Failover(int faultId, String kind, String target, long faultStart, long nanos) {
  public double millis() {
    return nanos / 1e6;
  }
}
