package org.masterha.chaos.run;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZKUtil;
import org.masterha.raft.RaftAdmin;
import org.masterha.stores.EtcdCluster;
import org.masterha.stores.FakeConsulProcess;
import org.masterha.stores.RaftPeers;
import org.masterha.stores.ZooKeeperEnsemble;

/**
 * The store cluster under test: its servers' client addresses (the runner puts one proxy per node
 * in front of each) and the store faults it can take.
 */
abstract class StoreCluster implements AutoCloseable {
  /** zookeeper, etcd or consul. */
  abstract String backend();

  /** What it is, for the report: "ZooKeeper 3-server ensemble", ... */
  abstract String description();

  /** The client address of every server. */
  abstract List<InetSocketAddress> servers();

  /** The URL through the given addresses (one per server, in order). */
  abstract String url(List<InetSocketAddress> through);

  /** Whether members can be killed and restarted (a real cluster); false for the fake. */
  abstract boolean canKillMembers();

  /** Whether the runner may pause (SIGSTOP) members. */
  boolean canPauseMembers() {
    return true;
  }

  /** The index of the member that leads the store now, if known. */
  Optional<Integer> leader() {
    return Optional.empty();
  }

  void kill(int member) throws Exception {
    throw new UnsupportedOperationException(backend() + " members cannot be killed here");
  }

  /** Starts every killed member again and waits until the cluster serves. */
  void restartKilled() throws Exception {}

  void pause(int member) throws Exception {
    throw new UnsupportedOperationException(backend() + " members cannot be paused here");
  }

  void resume(int member) throws Exception {}

  /**
   * Deletes the base path and everything under it behind the nodes' backs, as an operator wiping
   * the store would (docs/contract.md, rule 11). {@code quiesce} runs once the runner's client is
   * connected, right before the delete, so the nodes are frozen for as short a time as can be.
   */
  abstract void wipe(Runnable quiesce) throws Exception;

  /** Deletes every key under the base path through the Consul HTTP API at {@code address}. */
  static void wipeConsul(InetSocketAddress address, Runnable quiesce) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    quiesce.run();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://"
                            + address.getHostString()
                            + ":"
                            + address.getPort()
                            + "/v1/kv"
                            + BASE
                            + "/?recurse"))
                .DELETE()
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "could not wipe " + BASE + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  /** The name of member {@code i} for the history: "zk1", "m0", "fake". */
  abstract String memberName(int i);

  /** The URL straight to the servers (no proxy), for the runner's own reads. */
  String directUrl() {
    return url(servers());
  }

  static final String BASE = "/masterha-chaos";

  static StoreCluster start(String backend, Path logDir, Optional<String> consulAgent)
      throws Exception {
    return switch (backend) {
      case "zookeeper" -> ZooKeeper.start(logDir);
      case "etcd" -> Etcd.start(logDir);
      case "raft" -> Raft.start(logDir);
      case "consul" ->
          consulAgent.isPresent() ? new ConsulAgent(consulAgent.get()) : ConsulFake.start(logDir);
      default -> throw new IllegalArgumentException("unknown backend " + backend);
    };
  }

  private static String hosts(List<InetSocketAddress> through) {
    return through.stream()
        .map(a -> a.getHostString() + ":" + a.getPort())
        .collect(Collectors.joining(","));
  }

  /** Three ZooKeeper servers, each in its own JVM. */
  static final class ZooKeeper extends StoreCluster {
    private final ZooKeeperEnsemble ensemble;
    private final List<Integer> killed = new ArrayList<>();

    private ZooKeeper(ZooKeeperEnsemble ensemble) {
      this.ensemble = ensemble;
    }

    static ZooKeeper start(Path logDir) throws Exception {
      ZooKeeperEnsemble e = new ZooKeeperEnsemble(3, Map.of(), logDir);
      e.start();
      return new ZooKeeper(e);
    }

    @Override
    String backend() {
      return "zookeeper";
    }

    @Override
    String description() {
      return "ZooKeeper ensemble of 3 servers, one JVM each";
    }

    @Override
    List<InetSocketAddress> servers() {
      List<InetSocketAddress> all = new ArrayList<>();
      for (int i = 0; i < ensemble.size(); i++) {
        all.add(ensemble.clientAddress(i));
      }
      return all;
    }

    @Override
    String url(List<InetSocketAddress> through) {
      return "zk://" + hosts(through) + BASE;
    }

    @Override
    boolean canKillMembers() {
      return true;
    }

    @Override
    void wipe(Runnable quiesce) throws Exception {
      CountDownLatch connected = new CountDownLatch(1);
      try (org.apache.zookeeper.ZooKeeper zk =
          new org.apache.zookeeper.ZooKeeper(
              ensemble.connectString(),
              10_000,
              event -> {
                if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                  connected.countDown();
                }
              })) {
        if (!connected.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("could not connect to ZooKeeper to wipe " + BASE);
        }
        quiesce.run();
        // A node may create a member under the path while it goes: delete again until it is gone.
        for (int attempt = 1; zk.exists(BASE, false) != null; attempt++) {
          try {
            ZKUtil.deleteRecursive(zk, BASE);
          } catch (org.apache.zookeeper.KeeperException.NotEmptyException
              | org.apache.zookeeper.KeeperException.NoNodeException raced) {
            if (attempt >= 10) {
              throw raced;
            }
          }
        }
      }
    }

    @Override
    Optional<Integer> leader() {
      return ensemble.leader();
    }

    @Override
    void kill(int member) throws Exception {
      ensemble.kill(member);
      killed.add(member);
    }

    @Override
    void restartKilled() throws Exception {
      for (int i : List.copyOf(killed)) {
        ensemble.start(i);
        killed.remove(Integer.valueOf(i));
      }
    }

    @Override
    void pause(int member) {
      ensemble.pause(member);
    }

    @Override
    void resume(int member) {
      ensemble.resume(member);
    }

    @Override
    String memberName(int i) {
      return "zk" + (i + 1);
    }

    @Override
    public void close() {
      ensemble.close();
    }
  }

  /** Three etcd members, timed for short sessions. */
  static final class Etcd extends StoreCluster {
    private final EtcdCluster cluster;

    private Etcd(EtcdCluster cluster) {
      this.cluster = cluster;
    }

    static Etcd start(Path logDir) throws Exception {
      EtcdCluster c =
          new EtcdCluster(
              new EtcdCluster.Options(3, Optional.empty(), Optional.empty(), true),
              logDir.resolve("etcd"));
      c.start();
      return new Etcd(c);
    }

    @Override
    String backend() {
      return "etcd";
    }

    @Override
    String description() {
      return "etcd cluster of 3 members (raft heartbeat 50 ms, election 500 ms)";
    }

    @Override
    List<InetSocketAddress> servers() {
      return cluster.members().stream()
          .map(m -> new InetSocketAddress("127.0.0.1", m.clientPort()))
          .toList();
    }

    @Override
    String url(List<InetSocketAddress> through) {
      return "etcd://" + hosts(through) + BASE;
    }

    @Override
    boolean canKillMembers() {
      return true;
    }

    @Override
    void wipe(Runnable quiesce) throws Exception {
      quiesce.run();
      cluster
          .admin()
          .getKVClient()
          .delete(
              EtcdCluster.bytes(BASE + "/"),
              io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
          .get(10, TimeUnit.SECONDS);
    }

    @Override
    Optional<Integer> leader() {
      return cluster.findLeader().map(m -> cluster.members().indexOf(m));
    }

    @Override
    void kill(int member) throws Exception {
      cluster.kill(cluster.members().get(member));
    }

    @Override
    void restartKilled() throws Exception {
      cluster.startStopped();
    }

    @Override
    void pause(int member) {
      cluster.members().get(member).pause();
    }

    @Override
    void resume(int member) {
      cluster.members().get(member).resume();
    }

    @Override
    String memberName(int i) {
      return cluster.members().get(i).name();
    }

    @Override
    public void close() {
      cluster.close();
    }
  }

  /** Three raft peers (module ha-raft), each in a JVM of its own, with their data on disk. */
  static final class Raft extends StoreCluster {
    private final RaftPeers peers;
    private final RaftAdmin admin;
    private final List<Integer> killed = new ArrayList<>();

    private Raft(RaftPeers peers) {
      this.peers = peers;
      this.admin = RaftAdmin.connect(url(servers()));
    }

    static Raft start(Path logDir) throws Exception {
      RaftPeers p = new RaftPeers(3, logDir.resolve("raft"));
      p.start();
      Raft raft = new Raft(p);
      try {
        raft.admin.awaitServing(Duration.ofSeconds(60));
      } catch (Exception e) {
        raft.close();
        throw e;
      }
      return raft;
    }

    @Override
    String backend() {
      return "raft";
    }

    @Override
    String description() {
      return "raft group of 3 peers (Apache Ratis), one JVM each (election timeout 400-800 ms)";
    }

    @Override
    List<InetSocketAddress> servers() {
      List<InetSocketAddress> all = new ArrayList<>();
      for (int i = 0; i < peers.size(); i++) {
        all.add(peers.address(i));
      }
      return all;
    }

    @Override
    String url(List<InetSocketAddress> through) {
      return "raft://" + hosts(through) + BASE;
    }

    @Override
    boolean canKillMembers() {
      return true;
    }

    @Override
    void wipe(Runnable quiesce) throws Exception {
      quiesce.run();
      admin.wipe(Duration.ofSeconds(10));
    }

    @Override
    Optional<Integer> leader() {
      OptionalInt leader = admin.leader();
      return leader.isPresent() ? Optional.of(leader.getAsInt()) : Optional.empty();
    }

    @Override
    void kill(int member) throws Exception {
      peers.kill(member);
      killed.add(member);
    }

    @Override
    void restartKilled() throws Exception {
      for (int i : List.copyOf(killed)) {
        peers.start(i);
        killed.remove(Integer.valueOf(i));
      }
    }

    @Override
    void pause(int member) {
      peers.pause(member);
    }

    @Override
    void resume(int member) {
      peers.resume(member);
    }

    @Override
    String memberName(int i) {
      return peers.id(i);
    }

    @Override
    public void close() {
      admin.close();
      peers.close();
    }
  }

  /**
   * The Consul fake: one process holding its state in memory, so it is paused (SIGSTOP), never
   * killed (a restart would lose every session and key, which no real Consul server does).
   */
  static final class ConsulFake extends StoreCluster {
    private final FakeConsulProcess fake;

    private ConsulFake(FakeConsulProcess fake) {
      this.fake = fake;
    }

    static ConsulFake start(Path logDir) throws Exception {
      return new ConsulFake(FakeConsulProcess.start(List.of("--session-ttl-min", "1s"), logDir));
    }

    @Override
    String backend() {
      return "consul";
    }

    @Override
    String description() {
      return "the Consul fake (one JVM, state in memory, session_ttl_min 1s)";
    }

    @Override
    List<InetSocketAddress> servers() {
      return List.of(new InetSocketAddress("127.0.0.1", fake.port()));
    }

    @Override
    String url(List<InetSocketAddress> through) {
      return "consul://" + hosts(through) + BASE;
    }

    @Override
    boolean canKillMembers() {
      return false;
    }

    @Override
    void wipe(Runnable quiesce) throws Exception {
      wipeConsul(servers().get(0), quiesce);
    }

    @Override
    Optional<Integer> leader() {
      return Optional.of(0);
    }

    @Override
    void pause(int member) {
      fake.process().pause();
    }

    @Override
    void resume(int member) {
      fake.process().resume();
    }

    @Override
    String memberName(int i) {
      return "fake";
    }

    @Override
    public void close() throws Exception {
      fake.close();
    }
  }

  /** A real Consul agent given by address: nodes reach it through proxies; no store faults. */
  static final class ConsulAgent extends StoreCluster {
    private final InetSocketAddress address;

    ConsulAgent(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      this.address =
          new InetSocketAddress(
              hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    @Override
    String backend() {
      return "consul";
    }

    @Override
    String description() {
      return "a real Consul agent at " + address.getHostString() + ":" + address.getPort();
    }

    @Override
    List<InetSocketAddress> servers() {
      return List.of(address);
    }

    @Override
    String url(List<InetSocketAddress> through) {
      return "consul://" + hosts(through) + BASE;
    }

    @Override
    boolean canKillMembers() {
      return false;
    }

    @Override
    boolean canPauseMembers() {
      return false;
    }

    @Override
    void wipe(Runnable quiesce) throws Exception {
      wipeConsul(address, quiesce);
    }

    @Override
    String memberName(int i) {
      return "agent";
    }

    @Override
    public void close() {}
  }

  static Duration minimumSessionTimeout(String backend) {
    return backend.equals("consul") ? Duration.ofSeconds(2) : Duration.ofMillis(500);
  }
}
