package org.masterha.tck;

import java.time.Duration;
import java.util.Set;
import org.masterha.ha.HaConfig;

/**
 * What a backend's test module gives the conformance suite: real servers and clients on them. One fixture per
 * test class; the suite calls {@link #start()} once before its tests and {@link #close()} after them.
 */
public interface BackendFixture extends AutoCloseable {
  /** The backend's name, e.g. {@code zookeeper}. */
  String backend();

  /** The faults this fixture can inject. */
  Set<Fault> faults();

  /** Starts the server(s) and waits until they serve. */
  void start() throws Exception;

  /** A client config for {@code basePath} with {@code sessionTimeout}, talking to the servers directly. */
  HaConfig config(String basePath, Duration sessionTimeout);

  /**
   * Opens a client session on {@code basePath}; where {@link Fault#CUT_CONNECTION} is supported its traffic goes
   * through a proxy that {@link TestClient#cutConnection()} controls.
   */
  TestClient connect(String basePath, Duration sessionTimeout);

  /** Expires the client's current session on the server side. Needs {@link Fault#EXPIRE_SESSION}. */
  default void expireSession(TestClient client) throws Exception {
    throw new UnsupportedOperationException(backend() + " fixture cannot expire sessions");
  }

  /** Stops every server and starts them again with their data. Needs {@link Fault#RESTART_SERVERS}. */
  default void restartServers() throws Exception {
    throw new UnsupportedOperationException(backend() + " fixture cannot restart servers");
  }

  /**
   * Stops the cluster's current leader server, leaving a quorum running. Needs {@link Fault#STOP_LEADER_SERVER}.
   * {@link #startStoppedServers()} brings it back.
   */
  default void stopLeaderServer() throws Exception {
    throw new UnsupportedOperationException(backend() + " fixture cannot stop a leader server");
  }

  default void startStoppedServers() throws Exception {
    throw new UnsupportedOperationException(backend() + " fixture cannot start stopped servers");
  }

  /** Stops everything it started; always called, also after a failed start. */
  @Override
  void close() throws Exception;
}
