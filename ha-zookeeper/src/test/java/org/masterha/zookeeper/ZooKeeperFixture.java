package org.masterha.zookeeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZKUtil;
import org.apache.zookeeper.ZooKeeper;
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
 * Real ZooKeeper for the conformance suite and this module's tests: one standalone server or a
 * three-server ensemble in the test JVM. Each client from {@link #connect} talks to every server
 * through a proxy of its own, so cutting one client's network leaves the others alone. Sessions are
 * expired the way the servers expire them: a second handle attaches to the session with its id and
 * password and closes it, which makes the servers end the session and delete its ephemeral nodes;
 * the client learns it when it next reaches a server.
 */
public final class ZooKeeperFixture implements BackendFixture {
  private final int size;
  private final Map<String, String> serverSettings;
  private final HaBackends backends = HaBackends.load();
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private final List<Integer> stopped = new ArrayList<>();
  private ZooKeeperServers servers;

  private ZooKeeperFixture(int size, Map<String, String> serverSettings) {
    this.size = size;
    this.serverSettings = serverSettings;
  }

  public static ZooKeeperFixture singleServer() {
    return new ZooKeeperFixture(1, Map.of());
  }

  public static ZooKeeperFixture ensemble() {
    return new ZooKeeperFixture(3, Map.of());
  }

  static ZooKeeperFixture of(int size, Map<String, String> serverSettings) {
    return new ZooKeeperFixture(size, serverSettings);
  }

  @Override
  public String backend() {
    return ZooKeeperBackend.NAME;
  }

  /** Every fault; stopping the leader server only on an ensemble, where a quorum is left. */
  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    return Optional.ofNullable(
        switch (fault) {
          case CUT_CONNECTION -> ProxiedClient.CUT;
          case LOSE_ANSWER -> ProxiedClient.LOSE_ANSWER;
          case EXPIRE_SESSION -> FaultInjector.onClient(this::expireSession, null);
          case RESTART_SERVERS -> FaultInjector.onServers(x -> restartServers(), null);
          case STOP_LEADER_SERVER ->
              size > 1
                  ? FaultInjector.onServers(x -> stopLeaderServer(), x -> startStoppedServers())
                  : null;
          case WIPE_BASE_PATH -> FaultInjector.onClient(this::wipeBasePath, null);
        });
  }

  @Override
  public void start() throws Exception {
    servers = new ZooKeeperServers(size, serverSettings);
    servers.start();
  }

  ZooKeeperServers servers() {
    return servers;
  }

  /** {@code host:port,...} of the servers themselves. */
  public String connectString() {
    return servers.connectString();
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return HaConfig.builder()
        .url("zk://" + servers.connectString() + basePath)
        .sessionTimeout(sessionTimeout)
        .build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    List<TcpProxy> proxies = new ArrayList<>();
    try {
      for (InetSocketAddress server : servers.clientAddresses()) {
        proxies.add(TcpProxy.start(server));
      }
    } catch (IOException e) {
      proxies.forEach(TcpProxy::close);
      throw new UncheckedIOException(e);
    }
    String hosts =
        proxies.stream().map(p -> "127.0.0.1:" + p.port()).collect(Collectors.joining(","));
    HaConfig config =
        HaConfig.builder().url("zk://" + hosts + basePath).sessionTimeout(sessionTimeout).build();
    Client client = new Client(backends.open(config), proxies);
    clients.add(client);
    return client;
  }

  /** Expires the client's session the way the servers do; see the class comment. */
  /** Deletes the client's base path with everything under it, from a client of our own. */
  void wipeBasePath(TestClient client) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    try (ZooKeeper zk =
        new ZooKeeper(
            servers.connectString(),
            10_000,
            event -> {
              if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            })) {
      if (!connected.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("could not connect to wipe the base path");
      }
      String base = client.session().config().basePath();
      if (zk.exists(base, false) != null) {
        ZKUtil.deleteRecursive(zk, base);
      }
    }
  }

  public void expireSession(TestClient client) throws Exception {
    expire(client.session().unwrap(ZooKeeperSession.class), servers.connectString());
  }

  /** Expires {@code session} on the servers at {@code connectString}; see the class comment. */
  static void expire(ZooKeeperSession session, String connectString) throws Exception {
    ZooKeeperSession.SessionHandle handle = session.handleForFaultInjection();
    if (handle.id() == 0) {
      throw new IllegalStateException(session + " has no session to expire yet");
    }
    CountDownLatch connected = new CountDownLatch(1);
    Watcher watcher =
        event -> {
          if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
            connected.countDown();
          }
        };
    ZooKeeper twin =
        new ZooKeeper(
            connectString,
            Math.toIntExact(session.negotiatedTimeout().toMillis()),
            watcher,
            handle.id(),
            handle.password());
    try {
      if (!connected.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "could not attach to session 0x" + Long.toHexString(handle.id()) + " to expire it");
      }
    } finally {
      twin.close(); // closeSession: the servers end the session and delete its ephemeral nodes
    }
  }

  public void restartServers() throws Exception {
    servers.restartAll();
  }

  public void stopLeaderServer() throws Exception {
    int leader =
        servers.leader().orElseThrow(() -> new IllegalStateException("no ZooKeeper server leads"));
    servers.stopServer(leader);
    stopped.add(leader);
  }

  public void startStoppedServers() throws Exception {
    for (int i : stopped) {
      servers.startServer(i);
    }
    stopped.clear();
    servers.awaitServing();
  }

  @Override
  public void close() {
    for (Client c : clients) {
      c.close();
    }
    if (servers != null) {
      servers.close();
    }
  }

  /** One session and its proxies. */
  static final class Client extends ProxiedClient {
    Client(HaSession session, List<TcpProxy> proxies) {
      super(session, proxies);
    }

    ZooKeeperSession zk() {
      return session().unwrap(ZooKeeperSession.class);
    }
  }
}
