package org.masterha.tck;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Leader;

/**
 * A candidacy as a deposed leader that was paused (SIGSTOP, a long GC) believes it to be when it
 * resumes: elected, not lost, and {@link Candidacy#isLeader()} true, because none of its timers has
 * run yet. Handed to {@code session.state(candidacy)}, it lets a fenced write through every local
 * check, so only the store's atomic check of the leader's member can refuse it: the fencing tests
 * use it to prove that check is there.
 *
 * <p>The epoch and membership are the real candidacy's, as the paused process would send them.
 */
public final class StaleView {
  private StaleView() {}

  /** {@code real} as the paused process sees it, elected as {@code asElected}. */
  public static Candidacy of(Candidacy real, Leader asElected) {
    Objects.requireNonNull(real, "real");
    Objects.requireNonNull(asElected, "asElected");
    return new Candidacy() {
      @Override
      public long epoch() {
        return real.epoch();
      }

      @Override
      public Membership membership() {
        return real.membership();
      }

      @Override
      public CompletableFuture<Void> lost() {
        return new CompletableFuture<>(); // its lost() has not run
      }

      @Override
      public CompletableFuture<Leader> elected() {
        return CompletableFuture.completedFuture(asElected);
      }

      @Override
      public boolean isLeader() {
        return true; // what it believed before it was paused
      }

      @Override
      public String toString() {
        return "stale view of " + real;
      }
    };
  }
}
