package org.masterha.ha.observe;

import java.util.OptionalLong;

/**
 * Told what one session and the roles made from it do, for metrics or logs. Every method does
 * nothing unless overridden. Calls come from the backend's event and I/O threads, the same ones
 * that keep the session's liveness deadline: an implementation must return quickly and never block
 * (update a counter, set a field). Exceptions it throws are logged and dropped.
 *
 * <p>{@code group} is the path of the group a candidacy or detection is in, e.g. {@code /mesos}.
 */
public interface SessionObserver {
  /** Observes nothing. */
  SessionObserver NONE = new SessionObserver() {};

  /** The session's hold on the store changed to {@code state}. */
  default void connectionState(ConnectionState state) {}

  /**
   * The store confirmed the session is alive (an etcd keepalive or Consul renewal answered, a
   * ZooKeeper request answered): the liveness deadline moved. {@code latencyNanos} is from sending
   * the request to its answer.
   */
  default void renewalConfirmed(long latencyNanos) {}

  /** A renewal failed or went unanswered; the session stays live until its deadline passes. */
  default void renewalFailed() {}

  /**
   * No renewal was confirmed for the whole session timeout: the session's members count as lost
   * (the backend reports {@link #connectionState} or the losses next).
   */
  default void deadlinePassed() {}

  /** A candidacy of epoch {@code epoch} was registered in {@code group}. */
  default void candidacyRegistered(String group, long epoch) {}

  /** The candidacy of epoch {@code epoch} in {@code group} was elected: it leads. */
  default void elected(String group, long epoch) {}

  /**
   * The candidacy of epoch {@code epoch} in {@code group} ended for {@code reason}; {@code
   * wasLeading} when it had been elected.
   */
  default void candidacyLost(String group, long epoch, LossReason reason, boolean wasLeading) {}

  /**
   * The session's detection of {@code group}'s leader found a new one: its epoch, or empty when
   * there is no leader now. Reported once per change for all of the session's detectors and
   * candidacies.
   */
  default void leaderChanged(String group, OptionalLong epoch) {}

  /**
   * A change of {@code group}'s member set was turned into a leader answer for the waiting
   * detectors and candidacies {@code latencyNanos} after the store's watch reported it (the read of
   * the new leader's data included).
   */
  default void notified(String group, long latencyNanos) {}
}
