package org.masterha.client;

import java.util.Optional;

/**
 * Told of every change of the leader a {@link LeaderClient} follows. Called on the executor given
 * at registration (the client's own thread by default, in order, one call at a time); a listener
 * that blocks on the client's thread delays the client.
 */
@FunctionalInterface
public interface LeaderListener {
  /**
   * The leader is now {@code leader}, or there is none right now (empty), as reported by the master
   * at {@code reportedBy} ({@code host:port}). Never called twice in a row with the same answer.
   */
  void leaderChanged(Optional<LeadingMaster> leader, String reportedBy);

  /**
   * The master at {@code reportedBy} named {@code stale}, whose epoch is below {@code
   * highestEpoch}, the highest this client has seen; the client ignored it. For callers that keep
   * their own record of refused masters (the demo agent's {@code refused} events).
   */
  default void staleLeaderIgnored(LeadingMaster stale, long highestEpoch, String reportedBy) {}
}
