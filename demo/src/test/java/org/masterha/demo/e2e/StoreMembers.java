package org.masterha.demo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * The members directly under a base path, each with the session that owns it, read straight from
 * the store with a plain client of its own (not the backend under test). Owners are spelled as
 * {@code HaSession.sessionId()} spells them, so they compare with the session a master names in its
 * {@code candidacy} event: ZooKeeper's {@code ephemeralOwner} as {@code 0x<hex>}, etcd's lease in
 * hex, the Consul session's UUID.
 */
interface StoreMembers extends AutoCloseable {
  /**
   * Member name (the last path segment) to its owner; children nobody owns (state, log_replicas)
   * are left out.
   */
  Map<String, String> owners(String basePath) throws Exception;

  @Override
  default void close() {}

  /** ZooKeeper: the ephemeral children of the base path and their {@code ephemeralOwner}. */
  static StoreMembers zooKeeper(String connect) throws IOException, InterruptedException {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk =
        new ZooKeeper(
            connect,
            30_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            });
    if (!connected.await(30, TimeUnit.SECONDS)) {
      zk.close();
      throw new IOException(
          "could not connect a plain ZooKeeper client to " + connect + " within 30s");
    }
    return new StoreMembers() {
      @Override
      public Map<String, String> owners(String basePath) throws Exception {
        Map<String, String> owners = new TreeMap<>();
        for (String child : zk.getChildren(basePath, false)) {
          Stat stat;
          try {
            stat = zk.exists(basePath + "/" + child, false);
          } catch (KeeperException.NoNodeException e) {
            continue;
          }
          if (stat != null && stat.getEphemeralOwner() != 0) {
            owners.put(child, "0x" + Long.toHexString(stat.getEphemeralOwner()));
          }
        }
        return owners;
      }

      @Override
      public void close() {
        try {
          zk.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /**
   * etcd: the keys directly under {@code <base>/} with a lease, through etcd's JSON gateway ({@code
   * /v3/kv/range}), one linearizable range read. {@code url} is the masters' {@code
   * etcd://host:port/base}.
   */
  static StoreMembers etcd(String url) {
    URI endpoint = URI.create("http://" + URI.create(url).getAuthority() + "/v3/kv/range");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ObjectMapper json = new ObjectMapper();
    Base64.Encoder b64 = Base64.getEncoder();
    return basePath -> {
      String prefix = basePath + "/";
      byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
      end[end.length - 1]++;
      String body =
          json.writeValueAsString(
              Map.of(
                  "key",
                  b64.encodeToString(prefix.getBytes(StandardCharsets.UTF_8)),
                  "range_end",
                  b64.encodeToString(end)));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(endpoint)
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("etcd range " + prefix + ": HTTP " + r.statusCode() + " " + r.body());
      }
      Map<String, String> owners = new TreeMap<>();
      for (JsonNode kv : json.readTree(r.body()).path("kvs")) {
        String name =
            new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8)
                .substring(prefix.length());
        long lease = kv.path("lease").asLong(0);
        if (!name.contains("/") && lease != 0) {
          owners.put(name, Long.toHexString(lease));
        }
      }
      return owners;
    };
  }

  /**
   * Consul (the fake or a real agent): the keys directly under the base path's prefix that a
   * session holds, from a consistent recursive read. {@code url} is the masters' {@code
   * consul://host:port/base}.
   */
  static StoreMembers consul(String url) {
    URI u = URI.create(url);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ObjectMapper json = new ObjectMapper();
    return basePath -> {
      String prefix = (basePath.startsWith("/") ? basePath.substring(1) : basePath) + "/";
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://"
                              + u.getAuthority()
                              + "/v1/kv/"
                              + prefix
                              + "?recurse&consistent"))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Map<String, String> owners = new TreeMap<>();
      if (r.statusCode() == 404) {
        return owners;
      }
      if (r.statusCode() != 200) {
        throw new IOException("consul kv " + prefix + ": HTTP " + r.statusCode() + " " + r.body());
      }
      for (JsonNode kv : json.readTree(r.body())) {
        String name = kv.path("Key").asText().substring(prefix.length());
        String session = kv.path("Session").asText("");
        if (!name.isEmpty() && !name.contains("/") && !session.isEmpty()) {
          owners.put(name, session);
        }
      }
      return owners;
    };
  }
}
