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
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.awaitility.Awaitility;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.raft.server.RaftNode;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;
import org.masterha.stores.RaftPeers;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.FaultInjector;
import org.masterha.tck.ProxiedClient;
import org.masterha.tck.TestClient;
import org.masterha.tck.net.TcpProxy;

/**
 * A group of raft peers, each with its own port and data directory, and every client behind TCP
 * proxies of its own. The peers run in the test JVM ({@link #inProcess}) or each in a JVM of its
 * own ({@link #processes}, the way masters run them). Faults: cut or lose a client's traffic,
 * expire a session as the leader would, restart every peer with its data, stop the Raft leader (the
 * others keep the quorum), wipe a base path.
 */
final class RaftGroupFixture implements BackendFixture {
  /** Where the peers run. */
  interface Peers extends AutoCloseable {
    void start() throws Exception;

    /** host:port of each peer, in order. */
    List<String> addresses();

    void restartAll() throws Exception;

    void stopLeader() throws Exception;

    void startStopped() throws Exception;

    @Override
    void close();
  }

  private final int size;
  private final Peers peers;
  private HaBackends backends;
  private RaftConnection admin;

  private RaftGroupFixture(int size, Peers peers) {
    this.size = size;
    this.peers = peers;
  }

  /** Peers in the test JVM. */
  static RaftGroupFixture inProcess(int size) {
    return new RaftGroupFixture(size, new InProcessPeers(size));
  }

  /** Peers each in a JVM of their own ({@link RaftPeers}). */
  static RaftGroupFixture processes(int size) {
    return new RaftGroupFixture(size, new ProcessPeers(size));
  }

  @Override
  public String backend() {
    return RaftBackend.NAME;
  }

  @Override
  public void start() throws Exception {
    peers.start();
    backends = HaBackends.load();
    admin = new RaftConnection(RaftSettings.from(config("/admin", Duration.ofSeconds(3))));
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return HaConfig.builder()
        .url("raft://" + String.join(",", peers.addresses()) + basePath)
        .sessionTimeout(sessionTimeout)
        .build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    List<TcpProxy> proxies = new ArrayList<>();
    try {
      for (String address : peers.addresses()) {
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
          case RESTART_SERVERS -> FaultInjector.onServers(x -> peers.restartAll(), null);
          case STOP_LEADER_SERVER ->
              size >= 3
                  ? FaultInjector.onServers(x -> peers.stopLeader(), x -> peers.startStopped())
                  : null;
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

  @Override
  public void close() throws Exception {
    if (admin != null) {
      admin.close();
    }
    peers.close();
  }

  /** Three peers in this JVM. */
  private static final class InProcessPeers implements Peers {
    private final int size;
    private final Map<String, String> addresses = new LinkedHashMap<>();
    private final Map<String, RaftNode> running = new LinkedHashMap<>();
    private final List<String> stopped = new ArrayList<>();
    private Path dataRoot;

    InProcessPeers(int size) {
      this.size = size;
    }

    @Override
    public void start() throws Exception {
      // In memory where it can be, as the ZooKeeper servers of the tests are: a log fsync on a busy
      // disk must not stand in for the behaviour under test.
      Path shm = Path.of("/dev/shm");
      dataRoot =
          Files.isDirectory(shm) && Files.isWritable(shm)
              ? Files.createTempDirectory(shm, "masterha-raft-")
              : Files.createTempDirectory("masterha-raft-");
      Set<Integer> taken = new HashSet<>();
      for (int i = 1; i <= size; i++) {
        addresses.put("n" + i, "127.0.0.1:" + freePort(taken));
      }
      for (String id : addresses.keySet()) {
        startPeer(id);
      }
      awaitLeader();
    }

    @Override
    public List<String> addresses() {
      return List.copyOf(addresses.values());
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
          new RaftNode(
              new RaftNode.Options(id, addresses, dataRoot.resolve(id), RaftNode.DEFAULT_GROUP));
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
    public void restartAll() throws IOException {
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

    @Override
    public void stopLeader() throws IOException {
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

    @Override
    public void startStopped() throws IOException {
      for (String id : stopped) {
        startPeer(id);
      }
      stopped.clear();
    }

    @Override
    public void close() {
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
        } catch (IOException e) {
          // best effort: a temporary directory
        }
      }
    }
  }

  /** Peers each in a JVM of its own; the leader is found by asking the group. */
  private static final class ProcessPeers implements Peers {
    private final int size;
    private final List<Integer> stopped = new ArrayList<>();
    private RaftPeers processes;

    ProcessPeers(int size) {
      this.size = size;
    }

    @Override
    public void start() throws Exception {
      processes = new RaftPeers(size, Path.of("target", "raft-peers"));
      processes.start();
      awaitLeader();
    }

    @Override
    public List<String> addresses() {
      return List.of(processes.hostList().split(","));
    }

    private int awaitLeader() {
      return Awaitility.await("a raft leader")
          .atMost(30, TimeUnit.SECONDS)
          .pollInterval(Duration.ofMillis(100))
          .until(this::leader, Optional::isPresent)
          .get();
    }

    /** The index of the peer that says it leads, if one does now. */
    private Optional<Integer> leader() {
      Map<String, String> all = new LinkedHashMap<>();
      for (String part : processes.peerList().split(",")) {
        int eq = part.indexOf('=');
        all.put(part.substring(0, eq), part.substring(eq + 1));
      }
      try (RaftClient client =
          RaftClient.newBuilder()
              .setProperties(new RaftProperties())
              .setRaftGroup(RaftNode.group(RaftNode.DEFAULT_GROUP, all))
              .setRetryPolicy(RetryPolicies.noRetry())
              .build()) {
        for (int i = 0; i < processes.size(); i++) {
          if (!processes.isRunning(i)) {
            continue;
          }
          try {
            GroupInfoReply info =
                client
                    .getGroupManagementApi(RaftPeerId.valueOf(processes.id(i)))
                    .info(RaftNode.groupId(RaftNode.DEFAULT_GROUP));
            if (info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER) {
              return Optional.of(i);
            }
          } catch (IOException | RuntimeException e) {
            // not serving yet (Ratis' blocking API also throws gRPC's runtime exceptions)
          }
        }
      } catch (IOException e) {
        return Optional.empty();
      }
      return Optional.empty();
    }

    @Override
    public void restartAll() throws Exception {
      processes.restartAll();
      awaitLeader();
    }

    @Override
    public void stopLeader() throws Exception {
      int leader = awaitLeader();
      processes.kill(leader);
      stopped.add(leader);
    }

    @Override
    public void startStopped() throws Exception {
      for (int i : stopped) {
        processes.start(i);
      }
      stopped.clear();
    }

    @Override
    public void close() {
      if (processes != null) {
        processes.close();
      }
    }
  }
}
