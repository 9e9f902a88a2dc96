package org.masterha.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.masterha.raft.RaftAdmin;
import org.masterha.raft.server.RaftNode;
import org.masterha.stores.EtcdCluster;
import org.masterha.stores.FakeConsulProcess;
import org.masterha.stores.JavaProcess;
import org.masterha.stores.RaftPeers;
import org.masterha.stores.ZooKeeperEnsemble;

/**
 * A store the benchmark runs against, in processes of its own (as the tests run them), with its
 * recipes on it, a count of the requests it received, read at the store, and its server processes
 * for their memory and data on disk.
 */
abstract class BenchStore implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code zookeeper}, {@code etcd}, {@code consul} or {@code raft}. */
  abstract String name();

  /** Where the store is, in the form {@link Recipes#of} takes. */
  abstract String endpoint();

  /** What serves it, for the report. */
  abstract String describe();

  /** Requests the store received so far (a cumulative counter), if it can be read. */
  abstract OptionalLong requests();

  /** What {@link #requests()} counts, for the report. */
  abstract String requestCounter();

  List<Recipe> recipes() {
    return Recipes.of(name(), endpoint());
  }

  /**
   * One process serving the store, now: its name, process id, role ({@code leader}, {@code
   * follower}, {@code standalone}; empty when not known) and data directory (empty: none).
   */
  record Server(String name, long pid, String role, Optional<Path> dataDir) {}

  /** The processes serving the store, with their roles now; empty when none runs here. */
  abstract List<Server> servers();

  /** What a server's data directory holds, for the report; empty when the servers have none. */
  abstract String dataDescription();

  @Override
  public abstract void close();

  static BenchStore start(String name, BenchOptions o, Path logDir) throws Exception {
    return switch (name) {
      case "zookeeper" -> new Zk(o, logDir);
      case "etcd" -> new Etcd(o);
      case "consul" -> new ConsulStore(o, logDir);
      case "raft" -> new Raft(logDir);
      default -> throw new IllegalArgumentException("no store " + name);
    };
  }

  static void killQuietly(JavaProcess p) {
    try {
      if (p.isAlive()) {
        p.kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String httpGet(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode());
    }
    return r.body();
  }

  /** One ZooKeeper server (Apache ZooKeeper 3.9, QuorumPeerMain) in a JVM of its own. */
  static final class Zk extends BenchStore {
    private final ZooKeeperEnsemble ensemble;

    Zk(BenchOptions o, Path logDir) throws Exception {
      ensemble = new ZooKeeperEnsemble(1, Map.of(), logDir.resolve("zookeeper"));
      ensemble.start();
    }

    @Override
    String name() {
      return "zookeeper";
    }

    @Override
    String endpoint() {
      return ensemble.connectString();
    }

    @Override
    String describe() {
      return "ZooKeeper server (QuorumPeerMain, standalone) in its own JVM at " + endpoint();
    }

    @Override
    OptionalLong requests() {
      String v = ensemble.mntr(0).get("zk_packets_received");
      return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v.trim()));
    }

    @Override
    String requestCounter() {
      return "mntr zk_packets_received";
    }

    @Override
    List<Server> servers() {
      return List.of(
          new Server(
              "zookeeper-1", ensemble.pid(0), ensemble.mode(0), Optional.of(ensemble.dataDir(0))));
    }

    @Override
    String dataDescription() {
      return "dataDir: snapshots and transaction log";
    }

    @Override
    public void close() {
      ensemble.close();
    }
  }

  /** One etcd member (the machine's etcd binary). */
  static final class Etcd extends BenchStore {
    private final EtcdCluster cluster;

    Etcd(BenchOptions o) throws Exception {
      boolean scaled = o.sessionTimeout().compareTo(Duration.ofSeconds(10)) < 0;
      cluster =
          new EtcdCluster(
              new EtcdCluster.Options(1, Optional.empty(), Optional.empty(), scaled), "bench");
      cluster.start();
    }

    @Override
    String name() {
      return "etcd";
    }

    @Override
    String endpoint() {
      return cluster.endpoints().get(0);
    }

    @Override
    String describe() {
      return "etcd (" + cluster.members().size() + " member) at " + endpoint();
    }

    /** The sum of etcd's {@code grpc_server_msg_received_total}: every gRPC message received. */
    @Override
    OptionalLong requests() {
      try {
        long sum = 0;
        for (String line : httpGet("http://" + endpoint() + "/metrics").split("\n")) {
          if (line.startsWith("grpc_server_msg_received_total")) {
            sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
        return OptionalLong.of(sum);
      } catch (IOException | InterruptedException | RuntimeException e) {
        return OptionalLong.empty();
      }
    }

    @Override
    String requestCounter() {
      return "/metrics grpc_server_msg_received_total (every gRPC message, streams included)";
    }

    @Override
    List<Server> servers() {
      List<Server> all = new ArrayList<>();
      for (EtcdCluster.Member m : cluster.members()) {
        String role = cluster.members().size() == 1 ? "standalone" : "";
        all.add(new Server("etcd-" + m.name(), m.pid(), role, Optional.of(m.dataDir())));
      }
      return all;
    }

    @Override
    String dataDescription() {
      return "--data-dir: write-ahead log, snapshots and bbolt database";
    }

    @Override
    public void close() {
      cluster.close();
    }
  }

  /** The Consul fake in a JVM of its own, or a real Consul agent given by address. */
  static final class ConsulStore extends BenchStore {
    private final Optional<FakeConsulProcess> fake;
    private final String hostPort;

    ConsulStore(BenchOptions o, Path logDir) throws Exception {
      if (o.consulAddress().isPresent()) {
        fake = Optional.empty();
        hostPort = o.consulAddress().get();
      } else {
        // masterha asks for a TTL of half the session timeout: let the fake grant it.
        Duration min = o.sessionTimeout().dividedBy(2);
        if (min.compareTo(Duration.ofSeconds(10)) > 0) {
          min = Duration.ofSeconds(10);
        }
        fake =
            Optional.of(
                FakeConsulProcess.start(
                    List.of("--session-ttl-min", min.toMillis() + "ms"), logDir.resolve("consul")));
        hostPort = "127.0.0.1:" + fake.get().port();
        // Ctrl-C or SIGTERM must not leave the fake's JVM behind.
        FakeConsulProcess f = fake.get();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> killQuietly(f.process())));
      }
    }

    @Override
    String name() {
      return "consul";
    }

    @Override
    String endpoint() {
      return hostPort;
    }

    @Override
    String describe() {
      return fake.isPresent()
          ? "the Consul fake (consul-fake, not a real Consul) in its own JVM at " + hostPort
          : "a Consul agent at " + hostPort;
    }

    /**
     * The fake's cumulative {@code consul.fake.http.requests} counter from {@code
     * /v1/agent/metrics}; a real agent's counters cover 10 s intervals only, so none there.
     */
    @Override
    OptionalLong requests() {
      try {
        JsonNode m =
            new ObjectMapper().readTree(httpGet("http://" + hostPort + "/v1/agent/metrics"));
        for (JsonNode c : m.path("Counters")) {
          if (c.path("Name").asText().equals("consul.fake.http.requests")) {
            return OptionalLong.of(c.path("Count").asLong());
          }
        }
        return OptionalLong.empty();
      } catch (IOException | InterruptedException | RuntimeException e) {
        return OptionalLong.empty();
      }
    }

    @Override
    String requestCounter() {
      return "/v1/agent/metrics consul.fake.http.requests (the fake's; none from a real agent)";
    }

    /** The fake's JVM; a real agent at --consul-address is not a process of ours. */
    @Override
    List<Server> servers() {
      return fake.map(
              f -> List.of(new Server("consul-fake", f.process().pid(), "", Optional.empty())))
          .orElse(List.of());
    }

    @Override
    String dataDescription() {
      return "none: the fake keeps its state in memory";
    }

    @Override
    public void close() {
      fake.ifPresent(
          f -> {
            try {
              f.close();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
  }

  /**
   * A raft group of three peers ({@code RaftNode}, module {@code ha-raft}, on Apache Ratis), each
   * in a JVM of its own: the raft backend as it is deployed, three peers (usually beside the
   * masters) replicating the coordination state, with no store outside them.
   */
  static final class Raft extends BenchStore {
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);

    private static final RaftGroupId GROUP = RaftNode.groupId(RaftNode.DEFAULT_GROUP);

    private final RaftPeers peers;
    private final RaftAdmin admin;

    /** Asks the peers, by their ids, for their group info (commit indexes); writes nothing. */
    private final RaftClient info;

    Raft(Path logDir) throws Exception {
      peers = new RaftPeers(3, logDir.resolve("raft"));
      RaftAdmin started = null;
      try {
        peers.start();
        started = RaftAdmin.connect("raft://" + peers.hostList() + "/bench");
        awaitLeader(started);
        // Serving, not just elected: the leader has committed an entry of its term, so the first
        // scenario's sessions do not spend their timeout waiting for the group to settle.
        started.awaitServing(LEADER_TIMEOUT);
      } catch (Exception | Error e) {
        if (started != null) {
          started.close();
        }
        peers.close();
        throw e;
      }
      admin = started;
      Map<String, String> ids = new LinkedHashMap<>();
      for (int i = 0; i < peers.size(); i++) {
        ids.put(peers.id(i), "127.0.0.1:" + peers.address(i).getPort());
      }
      RaftProperties properties = new RaftProperties();
      RaftClientConfigKeys.Rpc.setRequestTimeout(
          properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
      info =
          RaftClient.newBuilder()
              .setProperties(properties)
              .setRaftGroup(RaftNode.group(RaftNode.DEFAULT_GROUP, ids))
              .setRetryPolicy(RetryPolicies.noRetry())
              .build();
    }

    /** The peers listen before they have elected a leader: wait for one, so no scenario does. */
    private static void awaitLeader(RaftAdmin admin) throws InterruptedException {
      long deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
      while (admin.leader().isEmpty()) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "the raft peers elected no leader within " + LEADER_TIMEOUT.toSeconds() + " s");
        }
        Thread.sleep(50);
      }
    }

    @Override
    String name() {
      return "raft";
    }

    @Override
    String endpoint() {
      return peers.hostList();
    }

    @Override
    String describe() {
      return "raft group of "
          + peers.size()
          + " peers (RaftNode on Apache Ratis, module ha-raft), each in its own JVM"
          + " (-Xmx256m, serial GC, C1 only) at "
          + endpoint()
          + ", as the raft backend is deployed: the peers are the store";
    }

    /**
     * The group's commit index, the highest any peer reports: the Raft log entries committed, one
     * per replicated write. The peers serve no request counter, and reads (served by Ratis' read
     * index, not through the log) are not in it.
     */
    @Override
    OptionalLong requests() {
      long committed = -1;
      for (int i = 0; i < peers.size(); i++) {
        try {
          GroupInfoReply reply =
              info.getGroupManagementApi(RaftPeerId.valueOf(peers.id(i))).info(GROUP);
          for (CommitInfoProto c : reply.getCommitInfos()) {
            committed = Math.max(committed, c.getCommitIndex());
          }
        } catch (IOException | RuntimeException notAnswering) {
          // down or busy: the others tell
        }
      }
      return committed < 0 ? OptionalLong.empty() : OptionalLong.of(committed);
    }

    @Override
    String requestCounter() {
      return "Raft log entries committed (group info commit index: every replicated write, such as"
          + " keep-alives, joins, leaves; not reads)";
    }

    @Override
    List<Server> servers() {
      OptionalInt leader = admin.leader();
      List<Server> all = new ArrayList<>();
      for (int i = 0; i < peers.size(); i++) {
        String role = leader.isEmpty() ? "" : leader.getAsInt() == i ? "leader" : "follower";
        all.add(
            new Server("raft-" + peers.id(i), peers.pid(i), role, Optional.of(peers.dataDir(i))));
      }
      return all;
    }

    @Override
    String dataDescription() {
      return "--data: Raft log and snapshots";
    }

    @Override
    public void close() {
      try {
        info.close();
      } catch (IOException e) {
        // the peers go next anyway
      }
      admin.close();
      peers.close();
    }
  }
}
