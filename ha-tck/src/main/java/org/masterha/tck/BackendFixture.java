package org.masterha.tck;

import java.time.Duration;
import java.util.Optional;
import org.masterha.ha.HaConfig;

/**
 * What a backend's test module gives the conformance suite: real servers and clients on them. One
 * fixture per test class; the suite calls {@link #start()} once before its tests and {@link
 * #close()} after them.
 *
 * <p>{@link org.masterha.tck.example.MinimalFixture} is a complete one to start from, and {@code
 * docs/testing-a-backend.md} walks through writing one; the suite checks the behaviour described in
 * {@code docs/contract.md}.
 */
public interface BackendFixture extends AutoCloseable {
  /** The backend's name, e.g. {@code zookeeper}. */
  String backend();

  /** Starts the server(s) and waits until they serve. */
  void start() throws Exception;

  /**
   * A client config for {@code basePath} with {@code sessionTimeout}, talking to the servers
   * directly.
   */
  HaConfig config(String basePath, Duration sessionTimeout);

  /**
   * Opens a client session on {@code basePath}. Where the fixture offers faults on one client
   * ({@link Fault#CUT_CONNECTION}, {@link Fault#LOSE_ANSWER}) its traffic goes through proxies of
   * its own, e.g. a {@link ProxiedClient}.
   */
  TestClient connect(String basePath, Duration sessionTimeout);

  /**
   * How this fixture injects {@code fault}, or empty when it cannot: the one question the suite
   * asks about a fixture's capabilities. Tests that need a fault the fixture does not offer are
   * reported as skipped, naming the fault. Offer only what is real: a fault played differently from
   * how the store would show it proves nothing.
   */
  default Optional<FaultInjector> fault(Fault fault) {
    return Optional.empty();
  }

  /** Stops everything it started; always called, also after a failed start. */
  @Override
  void close() throws Exception;
}
