package org.masterha.tck;

/**
 * The faults a fixture may be able to inject. A fixture offers each one it can through {@link
 * BackendFixture#fault(Fault)}; a test that needs one asks {@link FixtureAccess#assumeFault(Fault)}
 * and is reported as skipped, with the fault's {@link #description()} as the reason, where the
 * fixture has none.
 */
public enum Fault {
  /**
   * Stop all traffic between one client and the servers, then let it flow again (a TCP proxy in
   * between).
   */
  CUT_CONNECTION("stop all traffic between one client and the servers, then let it flow again"),
  /**
   * Let one client's requests reach the servers but lose every answer to them, then end the
   * connections that lost answers with a reset: a request the store applied whose answer the client
   * never sees.
   */
  LOSE_ANSWER(
      "let one client's requests through but lose the servers' answers, then reset its connections"),
  /** Expire one client's session on the server side, as the store does after a timeout. */
  EXPIRE_SESSION("expire one client's session on the server side"),
  /** Stop every server and start them again, keeping their data. */
  RESTART_SERVERS("stop every server and start them again with their data"),
  /**
   * Stop the store's own leader server of a cluster (ZooKeeper leader, etcd leader, ...), keep the
   * rest.
   */
  STOP_LEADER_SERVER("stop the store's own leader server of a cluster and keep a quorum running"),
  /**
   * Delete the client's base path and everything under it behind the clients' backs, as an operator
   * wiping the store (or restoring an empty backup) would; nothing to heal. On ZooKeeper the
   * re-created path numbers its members from 0 again, so epochs go back.
   */
  WIPE_BASE_PATH(
      "delete the client's base path and everything under it, as an operator wiping the store");

  private final String description;

  Fault(String description) {
    this.description = description;
  }

  /** What injecting the fault does, for skip reasons and reports. */
  public String description() {
    return description;
  }
}
