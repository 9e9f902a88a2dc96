package org.masterha.tck;

/** The faults a fixture may be able to inject; tests that need one are skipped where it is missing. */
public enum Fault {
  /** Stop all traffic between one client and the servers, then let it flow again (a TCP proxy in between). */
  CUT_CONNECTION,
  /** Expire one client's session on the server side, as the store does after a timeout. */
  EXPIRE_SESSION,
  /** Stop every server and start them again, keeping their data. */
  RESTART_SERVERS,
  /** Stop the store's own leader server of a cluster (ZooKeeper leader, etcd leader, ...), keep the rest. */
  STOP_LEADER_SERVER
}
