package org.masterha.ha.leader;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the leading master (Mesos' MasterDetector). "No leader" is a legal answer. Retryable
 * trouble is retried inside and never shows as a wrong leader; a failed future is fatal (the
 * session was closed).
 *
 * <p>Detection never goes back: once a leader with epoch N was reported, no leader with a lower
 * epoch is.
 */
public interface Detector extends AutoCloseable {
  /**
   * Completes at once when the current leader differs from {@code previous}, otherwise when it next
   * changes. Pass the last answer to follow every change.
   */
  CompletableFuture<Optional<Leader>> detect(Optional<Leader> previous);

  /** Waits for a leader to appear (or completes at once when there is one). */
  default CompletableFuture<Optional<Leader>> detect() {
    return detect(Optional.empty());
  }

  /**
   * Tells {@code listener} of the leader and of each change, as a Mesos agent follows its master:
   * the first call is the first leader there is (none while there is no leader at the start), then
   * every change, "no leader" included, never going back in epoch. Calls run one at a time on the
   * session's callback executor. Closing the returned handle stops the calls; closing the detector
   * stops them too, with {@link LeaderListener#detectionFailed}.
   */
  default Following follow(LeaderListener listener) {
    return FollowLoop.start(this, java.util.Objects.requireNonNull(listener, "listener"));
  }

  /** A running {@link #follow}; {@link #close()} stops it and is idempotent. */
  interface Following extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Stops watching; pending detections fail with a {@link
   * java.util.concurrent.CancellationException}.
   */
  @Override
  void close();
}
