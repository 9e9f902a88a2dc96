package org.masterha.consul;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kiwiproject.consul.Consul;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.FaultInjector;
import org.masterha.tck.ProxiedClient;
import org.masterha.tck.TestClient;
import org.masterha.tck.net.TcpProxy;

/**
 * The conformance suite's Consul: the project's {@link FakeConsul} on a loopback port, each client
 * behind its own {@link TcpProxy} so its connection alone can be cut.
 *
 * <p>The fake's {@code session_ttl_min} is lowered to 1s so the suite can use short session
 * timeouts (4s maps to a 2s TTL), and it reaps a session exactly one TTL after its last renewal
 * (Consul allows itself up to two), which is the earliest Consul may, so the tests check the leader
 * gives up before the soonest possible reap.
 */
final class FakeConsulFixture implements BackendFixture {
  static final Duration SESSION_TTL_MIN = Duration.ofSeconds(1);

  private final HaBackends backends = HaBackends.load();
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private FakeConsul consul;

  @Override
  public String backend() {
    return "consul";
  }

  /** Every fault but stopping a leader server: the fake is one agent, with no cluster behind it. */
  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    return Optional.ofNullable(
        switch (fault) {
          case CUT_CONNECTION -> ProxiedClient.CUT;
          case LOSE_ANSWER -> ProxiedClient.LOSE_ANSWER;
          case EXPIRE_SESSION -> FaultInjector.onClient(this::expireSession, null);
          case RESTART_SERVERS -> FaultInjector.onServers(x -> restartServers(), null);
          case STOP_LEADER_SERVER -> null;
          case WIPE_BASE_PATH -> FaultInjector.onClient(this::wipeBasePath, null);
        });
  }

  @Override
  public void start() {
    consul =
        FakeConsul.builder()
            .sessionTtlMin(SESSION_TTL_MIN)
            .sessionReapMultiplier(1.0)
            .build()
            .start();
  }

  FakeConsul consul() {
    return consul;
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return config(consul.hostAndPort(), basePath, sessionTimeout);
  }

  private static HaConfig config(String hostAndPort, String basePath, Duration sessionTimeout) {
    return HaConfig.builder()
        .url("consul://" + hostAndPort + basePath)
        .sessionTimeout(sessionTimeout)
        .build();
  }

  @Override
  public Client connect(String basePath, Duration sessionTimeout) {
    TcpProxy proxy;
    try {
      proxy = TcpProxy.start(consul.address());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      HaSession session =
          backends.open(config("127.0.0.1:" + proxy.port(), basePath, sessionTimeout));
      Client c = new Client(session, proxy);
      clients.add(c);
      return c;
    } catch (RuntimeException e) {
      proxy.close();
      throw e;
    }
  }

  /** Has the fake expire the client's live session, as a missed TTL would. */
  public void expireSession(TestClient client) {
    String id = ConsulTestSupport.liveSessionId(client.session());
    if (!consul.expireSession(id)) {
      throw new IllegalStateException("the fake has no session " + id);
    }
  }

  /** Deletes every key under the client's base path, as {@code consul kv delete -recurse}. */
  void wipeBasePath(TestClient client) {
    Consul admin = Consul.builder().withUrl(consul.httpUrl()).withPing(false).build();
    try {
      admin.keyValueClient().deleteKeys(client.session().config().basePath().substring(1) + "/");
    } finally {
      admin.destroy();
    }
  }

  public void restartServers() {
    consul.restart();
  }

  @Override
  public void close() {
    for (Client c : clients) {
      c.close();
    }
    if (consul != null) {
      consul.close();
    }
  }

  final class Client extends ProxiedClient {
    Client(HaSession session, TcpProxy proxy) {
      super(session, proxy == null ? List.of() : List.of(proxy));
    }

    @Override
    public void close() {
      try {
        super.close();
      } finally {
        clients.remove(this);
      }
    }
  }
}
