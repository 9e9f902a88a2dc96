package org.masterha.tck.standalone;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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
import org.masterha.tck.FaultInjector;
import org.masterha.tck.TestClient;

/**
 * Standalone sessions with faults played the way a correct backend on a real store would show them,
 * to run the suite's fault tests' own code here (their assertions, waits and clean-up) before any
 * real backend exists. It proves nothing about a backend: the verdict on a backend comes from its
 * own fixture with real servers.
 *
 * <ul>
 *   <li>cut: the store expires the session one session timeout after the cut unless the connection
 *       is restored first; {@link StandaloneSession#expire()} loses the memberships before removing
 *       them, as rule 2 wants;
 *   <li>restart, stop/start of the leader server: the in-memory store keeps its data and its
 *       sessions, as a quick restart or a cluster that keeps its quorum does.
 * </ul>
 */
final class SimulatedFaultFixture implements BackendFixture {
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "simulated-faults");
            t.setDaemon(true);
            return t;
          });
  private HaBackends backends;

  @Override
  public String backend() {
    return "standalone";
  }

  /**
   * Every fault but a lost answer, which needs a wire between the client and the store to be played
   * honestly.
   */
  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    return Optional.ofNullable(
        switch (fault) {
          case CUT_CONNECTION ->
              FaultInjector.onClient(c -> ((Client) c).cut(), c -> ((Client) c).restore());
          case EXPIRE_SESSION ->
              FaultInjector.onClient(
                  c -> c.session().unwrap(StandaloneSession.class).expire(), null);
          // The in-memory store outlives a "restart", and a cluster that keeps its quorum shows
          // clients nothing.
          case RESTART_SERVERS, STOP_LEADER_SERVER ->
              FaultInjector.onServers(nothing -> {}, nothing -> {});
          // Wiping needs a store with paths to delete behind the clients' backs.
          case LOSE_ANSWER, WIPE_BASE_PATH -> null;
        });
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
    return new Client(backends.open(config(basePath, sessionTimeout)), sessionTimeout);
  }

  /**
   * A standalone session whose "cut" has the store expire it one session timeout later unless
   * restored first.
   */
  private final class Client implements TestClient {
    private final HaSession session;
    private final StandaloneSession store;
    private final Duration sessionTimeout;
    private final Map<String, ScheduledFuture<?>> expiry = new ConcurrentHashMap<>();

    Client(HaSession session, Duration sessionTimeout) {
      this.session = session;
      this.store = session.unwrap(StandaloneSession.class);
      this.sessionTimeout = sessionTimeout;
    }

    @Override
    public HaSession session() {
      return session;
    }

    void cut() {
      expiry.computeIfAbsent(
          "cut",
          k -> scheduler.schedule(store::expire, sessionTimeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    void restore() {
      ScheduledFuture<?> pending = expiry.remove("cut");
      if (pending != null) {
        pending.cancel(false);
      }
    }

    @Override
    public void close() {
      restore();
      session.close();
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    backends = null;
  }
}
