package org.masterha.chaos.check;

import java.time.Duration;
import java.util.Objects;

/**
 * Parameters of a check, and the context that every violation prints.
 *
 * @param sessionTimeout the backends' session timeout; with {@code grace} it bounds how long after
 *     a fault heals a leader must act (rule f)
 * @param grace extra time allowed on top of the session timeout (default 1 s)
 * @param seed the campaign's seed, printed with every violation so the run can be repeated
 * @param schedule the fault schedule (as the runner describes it), printed with every violation
 * @param sliceRadius how many merged-history events before and after each involved event a
 *     violation shows
 */
public record CheckOptions(
    Duration sessionTimeout, Duration grace, String seed, String schedule, int sliceRadius) {
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(1);
  public static final int DEFAULT_SLICE_RADIUS = 4;

  public CheckOptions {
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(seed, "seed");
    Objects.requireNonNull(schedule, "schedule");
    if (sessionTimeout.isNegative() || grace.isNegative()) {
      throw new IllegalArgumentException("negative duration");
    }
    if (sliceRadius < 0) {
      throw new IllegalArgumentException("sliceRadius < 0");
    }
  }

  /** Options with the default grace and slice radius, and no seed or schedule. */
  public static CheckOptions of(Duration sessionTimeout) {
    return new CheckOptions(sessionTimeout, DEFAULT_GRACE, "", "", DEFAULT_SLICE_RADIUS);
  }

  public CheckOptions withGrace(Duration grace) {
    return new CheckOptions(sessionTimeout, grace, seed, schedule, sliceRadius);
  }

  public CheckOptions withSeed(String seed) {
    return new CheckOptions(sessionTimeout, grace, seed, schedule, sliceRadius);
  }

  public CheckOptions withSchedule(String schedule) {
    return new CheckOptions(sessionTimeout, grace, seed, schedule, sliceRadius);
  }

  public CheckOptions withSliceRadius(int sliceRadius) {
    return new CheckOptions(sessionTimeout, grace, seed, schedule, sliceRadius);
  }

  /** The liveness window after a heal: session timeout plus grace, in nanoseconds. */
  public long livenessWindowNanos() {
    return sessionTimeout.plus(grace).toNanos();
  }
}
