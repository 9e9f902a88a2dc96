package org.masterha.tck.example;

import java.time.Duration;
import java.util.Optional;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.standalone.StandaloneSession;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.FaultInjector;
import org.masterha.tck.TestClient;

/**
 * The smallest complete fixture, for the {@code standalone} backend: a starting point to copy when
 * writing a fixture for a new backend ({@code docs/testing-a-backend.md} walks through it). The
 * kit's own tests run the whole suite against it.
 *
 * <p>A real backend's fixture differs in three places: {@link #start()} starts real servers and
 * waits until they serve; {@link #connect} opens each client through {@link
 * org.masterha.tck.net.TcpProxy}s of its own and returns a {@link org.masterha.tck.ProxiedClient};
 * and {@link #fault} offers every fault the servers and proxies make possible. The standalone store
 * is in memory, so only an expiry can be injected: the tests that need another fault are reported
 * as skipped, naming it.
 */
public final class MinimalFixture implements BackendFixture {
  /**
   * One instance for the fixture's life: standalone sessions share the store of the {@link
   * HaBackends} that opened them.
   */
  private HaBackends backends;

  @Override
  public String backend() {
    return "standalone";
  }

  @Override
  public void start() {
    backends = HaBackends.load();
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return HaConfig.builder()
        .url("standalone://" + basePath)
        .sessionTimeout(sessionTimeout)
        .build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    HaSession session = backends.open(config(basePath, sessionTimeout));
    return new TestClient() {
      @Override
      public HaSession session() {
        return session;
      }

      @Override
      public void close() {
        session.close();
      }

      @Override
      public String toString() {
        return session.toString();
      }
    };
  }

  /** An expiry, as the store does it after a timeout; nothing else (no network, no server). */
  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    if (fault == Fault.EXPIRE_SESSION) {
      return Optional.of(
          FaultInjector.onClient(
              client -> client.session().unwrap(StandaloneSession.class).expire(), null));
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    backends = null;
  }
}
