package org.masterha.ha.leader;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follow loop applications used to write by hand, once: {@code detect(last answer)}, tell the
 * listener, ask again. Passing the last answer means no change is missed.
 */
final class FollowLoop implements Detector.Following {
  private static final Logger log = LoggerFactory.getLogger(FollowLoop.class);

  private final Detector detector;
  private final LeaderListener listener;
  private final Object lock = new Object();
  private boolean stopped;
  private CompletableFuture<Optional<Leader>> waiting;

  private FollowLoop(Detector detector, LeaderListener listener) {
    this.detector = detector;
    this.listener = listener;
  }

  static FollowLoop start(Detector detector, LeaderListener listener) {
    FollowLoop loop = new FollowLoop(detector, listener);
    loop.next(Optional.empty());
    return loop;
  }

  private void next(Optional<Leader> previous) {
    CompletableFuture<Optional<Leader>> f = detector.detect(previous);
    synchronized (lock) {
      if (stopped) {
        f.cancel(false);
        return;
      }
      waiting = f;
    }
    f.whenComplete(this::answered);
  }

  private void answered(Optional<Leader> leader, Throwable error) {
    synchronized (lock) {
      if (stopped) {
        return;
      }
    }
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      listener.detectionFailed(cause);
      return;
    }
    try {
      listener.leaderChanged(leader);
    } catch (RuntimeException e) {
      // A listener's bug must not end the following: the next change is still worth telling.
      log.warn(
          "A leader listener threw on {}; following on",
          leader.map(Leader::toString).orElse("no leader"),
          e);
    }
    next(leader);
  }

  @Override
  public void close() {
    CompletableFuture<Optional<Leader>> f;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      stopped = true;
      f = waiting;
    }
    if (f != null) {
      f.cancel(false);
    }
  }
}
