package org.masterha.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.raft.server.RaftNode;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.FaultInjector;
import org.masterha.tck.ProxiedClient;
import org.masterha.tck.TestClient;
import org.masterha.tck.net.TcpProxy;

/**
 * A group of three raft peers in the test JVM, each with its own port and data directory, and every
 * client behind TCP proxies of its own. Faults: cut or lose a client's traffic, expire a session as
 * the leader would, restart every peer with its data, stop the Raft leader (two peers keep the
 * quorum), wipe a base path.
 */
final class RaftGroupFixture implements BackendFixture {
  private final int size;
  private final Map<String, String> peers = new LinkedHashMap<>();
  private final Map<String, RaftNode> running = new LinkedHashMap<>();
  private final List<String> stopped = new ArrayList<>();
  private Path dataRoot;
  private HaBackends backends;
  private RaftConnection admin;

  RaftGroupFixture(int size) {
    this.size = size;
  }

  @Override
  public String backend() {
    return RaftBackend.NAME;
  }

  @Override
  public void start() throws Exception {
    dataRoot = Files.createTempDirectory("masterha-raft");
    Set<Integer> taken = new HashSet<>();
    for (int i = 1; i <= size; i++) {
      peers.put("n" + i, "127.0.0.1:" + freePort(taken));
    }
    for (String id : peers.keySet()) {
      startPeer(id);
    }
    awaitLeader();
    backends = HaBackends.load();
    admin = new RaftConnection(RaftSettings.from(config("/admin", Duration.ofSeconds(3))));
  }

  private static int freePort(Set<Integer> taken) throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }

  private void startPeer(String id) throws IOException {
    RaftNode node =
        new RaftNode(new RaftNode.Options(id, peers, dataRoot.resolve(id), RaftNode.DEFAULT_GROUP));
    node.start();
    running.put(id, node);
  }

  private void awaitLeader() {
    Awaitility.await("a raft leader")
        .atMost(20, TimeUnit.SECONDS)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> running.values().stream().anyMatch(RaftNode::isLeader));
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return HaConfig.builder()
        .url("raft://" + String.join(",", peers.values()) + basePath)
        .sessionTimeout(sessionTimeout)
        .build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    List<TcpProxy> proxies = new ArrayList<>();
    try {
      for (String address : peers.values()) {
        int colon = address.lastIndexOf(':');
        proxies.add(
            TcpProxy.start(
                new InetSocketAddress(
                    address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))));
      }
    } catch (IOException e) {
      proxies.forEach(TcpProxy::close);
      throw new UncheckedIOException(e);
    }
    String hosts =
        proxies.stream().map(p -> "127.0.0.1:" + p.port()).collect(Collectors.joining(","));
    HaSession session =
        backends.open(
            HaConfig.builder()
                .url("raft://" + hosts + basePath)
                .sessionTimeout(sessionTimeout)
                .build());
    return new ProxiedClient(session, proxies);
  }

  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    return Optional.ofNullable(
        switch (fault) {
          case CUT_CONNECTION -> ProxiedClient.CUT;
          case LOSE_ANSWER -> ProxiedClient.LOSE_ANSWER;
          case EXPIRE_SESSION -> FaultInjector.onClient(this::expireSession, null);
          case RESTART_SERVERS -> FaultInjector.onServers(x -> restartAll(), null);
          case STOP_LEADER_SERVER ->
              size >= 3 ? FaultInjector.onServers(x -> stopLeader(), x -> startStopped()) : null;
          case WIPE_BASE_PATH -> FaultInjector.onClient(this::wipe, null);
        });
  }

  /** As the Raft leader does once a session's timeout passed without a keep-alive. */
  private void expireSession(TestClient client) throws Exception {
    String id = client.session().sessionId();
    if (id.isEmpty()) {
      return;
    }
    admin
        .write(new Wire.Out().op(Op.FORCE_EXPIRE).i64(Long.parseLong(id)).toBytes())
        .get(10, TimeUnit.SECONDS);
  }

  private void wipe(TestClient client) throws Exception {
    admin
        .write(new Wire.Out().op(Op.WIPE).str(client.session().config().basePath()).toBytes())
        .get(10, TimeUnit.SECONDS);
  }

  private void restartAll() throws IOException {
    for (RaftNode node : running.values()) {
      node.close();
    }
    List<String> ids = new ArrayList<>(running.keySet());
    running.clear();
    for (String id : ids) {
      startPeer(id);
    }
    awaitLeader();
  }

  private void stopLeader() throws IOException {
    awaitLeader();
    for (RaftNode node : List.copyOf(running.values())) {
      if (node.isLeader()) {
        node.close();
        running.remove(node.id());
        stopped.add(node.id());
        return;
      }
    }
  }

  private void startStopped() throws IOException {
    for (String id : stopped) {
      startPeer(id);
    }
    stopped.clear();
  }

  @Override
  public void close() throws Exception {
    if (admin != null) {
      admin.close();
    }
    for (RaftNode node : running.values()) {
      try {
        node.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    running.clear();
    if (dataRoot != null) {
      try (Stream<Path> files = Files.walk(dataRoot)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
