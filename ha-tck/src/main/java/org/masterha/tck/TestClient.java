package org.masterha.tck;

import org.masterha.ha.HaSession;

/** A client session opened by a fixture, with a handle on its own connection for fault injection. */
public interface TestClient extends AutoCloseable {
  HaSession session();

  /**
   * Stops all traffic between this client and the servers: bytes are no longer forwarded in either direction
   * and new connections stall (a partition, not a reset). Needs {@link Fault#CUT_CONNECTION}.
   */
  void cutConnection();

  /** Lets traffic flow again after {@link #cutConnection()}. */
  void restoreConnection();

  /** Closes the session (the clean exit) and whatever the fixture set up for this client. */
  @Override
  void close();
}
