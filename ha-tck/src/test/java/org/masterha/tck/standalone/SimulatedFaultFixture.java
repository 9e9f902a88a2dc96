package org.masterha.tck.standalone;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.standalone.StandaloneSession;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.TestClient;

/**
 * Standalone sessions with faults played the way a correct backend on a real store would show them, to run the
 * suite's fault tests' own code here (their assertions, waits and clean-up) before any real backend exists. It
 * proves nothing about a backend: the verdict on a backend comes from its own fixture with real servers.
 *
 * <ul>
 *   <li>cut: the store expires the session one session timeout after the cut unless the connection is restored
 *       first; {@link StandaloneSession#expire()} loses the memberships before removing them, as rule 2 wants;
 *   <li>restart, stop/start of the leader server: the in-memory store keeps its data and its sessions, as a quick
 *       restart or a cluster that keeps its quorum does.
 * </ul>
 */
final class SimulatedFaultFixture implements BackendFixture {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "simulated-faults");
    t.setDaemon(true);
    return t;
  });
  private HaBackends backends;

  @Override
  public String backend() {
    return "standalone";
  }

  @Override
  public Set<Fault> faults() {
    return EnumSet.allOf(Fault.class);
  }

  @Override
  public void start() {
    backends = HaBackends.load();
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return HaConfig.builder().url("standalone://" + basePath).sessionTimeout(sessionTimeout).build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    HaSession session = backends.open(config(basePath, sessionTimeout));
    StandaloneSession store = session.unwrap(StandaloneSession.class);
    Map<String, ScheduledFuture<?>> expiry = new ConcurrentHashMap<>();
    return new TestClient() {
      @Override
      public HaSession session() {
        return session;
      }

      @Override
      public void cutConnection() {
        expiry.computeIfAbsent("cut", k -> scheduler.schedule(store::expire, sessionTimeout.toNanos(), TimeUnit.NANOSECONDS));
      }

      @Override
      public void restoreConnection() {
        ScheduledFuture<?> pending = expiry.remove("cut");
        if (pending != null) {
          pending.cancel(false);
        }
      }

      @Override
      public void close() {
        restoreConnection();
        session.close();
      }
    };
  }

  @Override
  public void expireSession(TestClient client) {
    client.session().unwrap(StandaloneSession.class).expire();
  }

  @Override
  public void restartServers() {
    // The in-memory store outlives a "restart": data and sessions are kept.
  }

  @Override
  public void stopLeaderServer() {
    // A cluster that keeps its quorum: nothing the clients can notice.
  }

  @Override
  public void startStoppedServers() {
    // Nothing was stopped.
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    backends = null;
  }
}
