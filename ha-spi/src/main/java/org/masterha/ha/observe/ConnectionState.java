package org.masterha.ha.observe;

/** A session's hold on the store, as every backend reports it to its {@link SessionObserver}. */
public enum ConnectionState {
  /** Opening: no session, lease or Consul session has been granted yet. */
  CONNECTING,
  /** The store confirmed the session; its members are held. */
  CONNECTED,
  /**
   * The connection is down but the session may still be alive in the store (ZooKeeper); members
   * stay held until the liveness deadline passes.
   */
  SUSPENDED,
  /**
   * The session is gone (expired, lease lost, Consul session invalidated): its members are lost and
   * the backend opens a new one.
   */
  LOST,
  /** The store can never accept the session (authentication, a timeout it cannot honour). */
  FAILED,
  /** Closed by its owner. */
  CLOSED;

  /** The name used in logs and metric tags: lower case, e.g. {@code connected}. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
