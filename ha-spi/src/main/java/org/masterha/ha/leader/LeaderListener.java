package org.masterha.ha.leader;

import java.util.Optional;

/**
 * Told of each leader a {@link Detector#follow followed} detector finds. Calls come one at a time,
 * in order, on the session's callback executor; the next answer is asked for once a call has
 * returned.
 */
@FunctionalInterface
public interface LeaderListener {
  /** The leader changed to {@code leader}; empty means there is none now. */
  void leaderChanged(Optional<Leader> leader);

  /**
   * Detection failed for good (the session or the detector was closed); no call follows. Does
   * nothing unless overridden.
   */
  default void detectionFailed(Throwable cause) {}
}
