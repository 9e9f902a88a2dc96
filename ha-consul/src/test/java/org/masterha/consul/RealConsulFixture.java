package org.masterha.consul;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kiwiproject.consul.Consul;
import org.masterha.ha.Credentials;
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
 * A real Consul agent named the way Consul's own CLI is told: {@code CONSUL_HTTP_ADDR} ({@code
 * host:port}, {@code http://host:port} or {@code https://host:port}), and {@code CONSUL_HTTP_TOKEN}
 * or {@code CONSUL_HTTP_TOKEN_FILE} when ACLs are on. Nothing is started: the agent must be
 * running.
 *
 * <p>Faults: EXPIRE_SESSION destroys the client's Consul session through the API. To the client
 * that is indistinguishable from the servers invalidating it on a TTL timeout: its keys are deleted
 * (behavior=delete) and its next renewal is answered 404. CUT_CONNECTION and LOSE_ANSWER put a
 * {@link TcpProxy} in front of each client, only when the agent is on loopback and speaks plain
 * HTTP. Restarting the agent is out of a test's reach, so RESTART_SERVERS is not offered.
 */
final class RealConsulFixture implements BackendFixture {
  static final String ADDRESS_VARIABLE = "CONSUL_HTTP_ADDR";

  private final URI agent;
  private final Optional<Credentials> token;
  private final HaBackends backends = HaBackends.load();
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private Consul admin;

  RealConsulFixture(Map<String, String> env) {
    String address = env.get(ADDRESS_VARIABLE);
    if (address == null || address.isBlank()) {
      throw new IllegalStateException(ADDRESS_VARIABLE + " is not set");
    }
    this.agent =
        URI.create(address.contains("://") ? address.strip() : "http://" + address.strip());
    if (env.containsKey("CONSUL_HTTP_TOKEN")) {
      this.token = Optional.of(Credentials.fromEnvironment("CONSUL_HTTP_TOKEN"));
    } else if (env.containsKey("CONSUL_HTTP_TOKEN_FILE")) {
      this.token = Optional.of(Credentials.fromFile(Path.of(env.get("CONSUL_HTTP_TOKEN_FILE"))));
    } else {
      this.token = Optional.empty();
    }
  }

  private String scheme() {
    return agent.getScheme().equals("https") ? ConsulSettings.HTTPS_SCHEME : ConsulSettings.SCHEME;
  }

  private int port() {
    return agent.getPort() > 0 ? agent.getPort() : ConsulSettings.DEFAULT_PORT;
  }

  private boolean onLoopback() {
    try {
      return InetAddress.getByName(agent.getHost()).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  /** The shortest session timeout this agent honours: twice its session_ttl_min. */
  Duration minimumSessionTimeout() {
    HaConfig probe = config("/masterha-probe", Duration.ofHours(1));
    return SessionTtlMinimum.read(ConsulSettings.from(probe), Optional.empty())
        .minimumSessionTimeout();
  }

  @Override
  public String backend() {
    return "consul";
  }

  /** Whether clients go through a {@link TcpProxy}: only to a plain-HTTP agent on loopback. */
  private boolean proxied() {
    return onLoopback() && scheme().equals(ConsulSettings.SCHEME);
  }

  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    return Optional.ofNullable(
        switch (fault) {
          case CUT_CONNECTION -> proxied() ? ProxiedClient.CUT : null;
          case LOSE_ANSWER -> proxied() ? ProxiedClient.LOSE_ANSWER : null;
          case EXPIRE_SESSION -> FaultInjector.onClient(this::expireSession, null);
          case RESTART_SERVERS, STOP_LEADER_SERVER -> null;
          case WIPE_BASE_PATH -> FaultInjector.onClient(this::wipeBasePath, null);
        });
  }

  /** Deletes every key under the client's base path, as {@code consul kv delete -recurse}. */
  void wipeBasePath(TestClient client) {
    admin.keyValueClient().deleteKeys(client.session().config().basePath().substring(1) + "/");
  }

  @Override
  public void start() {
    Consul.Builder b = Consul.builder().withUrl(agent.toString()).withPing(false);
    token.ifPresent(t -> b.withTokenAuth(t.secret().reveal()));
    admin = b.build();
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return config(agent.getHost(), port(), basePath, sessionTimeout);
  }

  private HaConfig config(String host, int port, String basePath, Duration sessionTimeout) {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    HaConfig.Builder b =
        HaConfig.builder()
            .url(scheme() + "://" + h + ":" + port + basePath)
            .sessionTimeout(sessionTimeout);
    token.ifPresent(b::credentials);
    return b.build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    if (!proxied()) {
      Client c = new Client(backends.open(config(basePath, sessionTimeout)), null);
      clients.add(c);
      return c;
    }
    TcpProxy proxy;
    try {
      proxy = TcpProxy.start(new InetSocketAddress(InetAddress.getByName(agent.getHost()), port()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Client c =
          new Client(
              backends.open(config("127.0.0.1", proxy.port(), basePath, sessionTimeout)), proxy);
      clients.add(c);
      return c;
    } catch (RuntimeException e) {
      proxy.close();
      throw e;
    }
  }

  void expireSession(TestClient client) {
    admin.sessionClient().destroySession(ConsulTestSupport.liveSessionId(client.session()));
  }

  @Override
  public void close() {
    for (Client c : clients) {
      c.close();
    }
    if (admin != null) {
      admin.destroy();
    }
  }

  private final class Client extends ProxiedClient {
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
