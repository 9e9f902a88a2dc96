package org.masterha.demo.master;

import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.observe.HaObserver;
import org.masterha.ha.observe.SessionObserver;

/**
 * Whether the master's store session is live, for {@code /health}: connected (or, on ZooKeeper,
 * disconnected but still inside the session's deadline), and no liveness deadline has passed since
 * the last renewal the store confirmed. Told by the session itself through the observation hook.
 */
final class SessionLiveness implements HaObserver, SessionObserver {
  private volatile ConnectionState state = ConnectionState.CONNECTING;
  private volatile boolean deadlinePassed;

  @Override
  public SessionObserver session(String backend, String basePath) {
    return this;
  }

  boolean live() {
    ConnectionState s = state;
    return (s == ConnectionState.CONNECTED || s == ConnectionState.SUSPENDED) && !deadlinePassed;
  }

  @Override
  public void connectionState(ConnectionState next) {
    if (next == ConnectionState.CONNECTED) {
      deadlinePassed = false;
    }
    state = next;
  }

  @Override
  public void renewalConfirmed(long latencyNanos) {
    deadlinePassed = false;
  }

  @Override
  public void deadlinePassed() {
    deadlinePassed = true;
  }
}
