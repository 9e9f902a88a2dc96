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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.masterha.stores.EtcdCluster;
import org.masterha.stores.FakeConsulProcess;
import org.masterha.stores.JavaProcess;
import org.masterha.stores.ZooKeeperEnsemble;

/**
 * A store the benchmark runs against, in processes of its own (as the tests run them), with the two
 * recipes on it and a count of the requests it received, read at the store.
 */
abstract class BenchStore implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code zookeeper}, {@code etcd} or {@code consul}. */
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

  @Override
  public abstract void close();

  static BenchStore start(String name, BenchOptions o, Path logDir) throws Exception {
    return switch (name) {
      case "zookeeper" -> new Zk(o, logDir);
      case "etcd" -> new Etcd(o);
      case "consul" -> new ConsulStore(o, logDir);
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
}
