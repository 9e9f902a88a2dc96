package org.masterha.ha.leader;

import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Membership;

/**
 * A registered candidacy and its fate. From a session {@code HaBackends.open} returned, {@link
 * #lost()} and {@link #elected()} are read-only (everyone holding the candidacy shares them) and
 * callers' actions on them run on the session's callback executor, so a caller blocking in one
 * never delays the {@code lost()} of anyone.
 */
public interface Candidacy {
  /** The epoch this candidacy leads in, if it does: its membership's sequence. */
  long epoch();

  Membership membership();

  /**
   * Completes when this candidacy can no longer be trusted: withdrawn, deleted by someone else, its
   * session expired, or the session's deadline passed on the local clock while the store was
   * unreachable. It completes before anyone else could be elected in its place; a leader must stop
   * acting as one when it does.
   */
  CompletableFuture<Void> lost();

  /**
   * Completes when this candidacy becomes the leader; fails with {@link CandidacyLostException} if
   * it is lost first.
   */
  CompletableFuture<Leader> elected();

  /**
   * Whether this candidacy leads right now, decided at the moment of the call: it has been {@link
   * #elected()}, has not been {@link #lost()}, and its session's liveness deadline has not passed
   * on the local monotonic clock. A process that resumes after a pause longer than the session
   * timeout gets {@code false} at once, even before {@code lost} completes, so anything that
   * answers or writes as leader should ask this first, each time.
   */
  boolean isLeader();
}
