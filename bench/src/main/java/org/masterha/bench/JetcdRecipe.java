package org.masterha.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The raw etcd recipe: jetcd's {@code Election} campaign and resign on a lease of each candidate's
 * own, kept alive by jetcd. Observers watch the election's key prefix (the candidate with the
 * lowest create revision leads, as etcd's election service decides), not {@code Election.observe}:
 * with 50 observe streams, etcd 3.4's election service was seen to wedge (cf. etcd-io/etcd#20716).
 */
final class JetcdRecipe implements Recipe {
  private final String endpoint;

  JetcdRecipe(String endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public String description() {
    return "jetcd Election campaign/resign + prefix watches";
  }

  private Client client() {
    return Client.builder().endpoints("http://" + endpoint).build();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public Candidate candidate(String path, String id, Duration sessionTimeout) throws Exception {
    Client client = client();
    long ttl = Math.max(1, (sessionTimeout.toMillis() + 999) / 1000);
    long lease = client.getLeaseClient().grant(ttl).get(60, TimeUnit.SECONDS).getID();
    client
        .getLeaseClient()
        .keepAlive(
            lease,
            new StreamObserver<>() {
              @Override
              public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    return new Candidate() {
      private volatile LeaderKey leaderKey;

      @Override
      public String id() {
        return id;
      }

      @Override
      public CompletableFuture<Long> contend() {
        return client
            .getElectionClient()
            .campaign(bytes(path), lease, bytes(id))
            .thenApply(
                r -> {
                  long now = System.nanoTime();
                  leaderKey = r.getLeader();
                  return now;
                });
      }

      @Override
      public void withdraw() throws Exception {
        client.getElectionClient().resign(leaderKey).get(60, TimeUnit.SECONDS);
      }

      @Override
      public void close() {
        try {
          client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // the lease expires by itself
        }
        client.close();
      }
    };
  }

  private record Entry(long createRevision, String value) {}

  @Override
  public Observers observers(String path, Duration sessionTimeout) {
    Client client = client();
    ByteSequence prefix = bytes(path + "/");
    return new Observers() {
      @Override
      public AutoCloseable observe(Consumer<String> listener) throws Exception {
        Map<ByteSequence, Entry> entries = new HashMap<>();
        String[] last = {"\0"};
        Runnable publish =
            () -> {
              String leader =
                  entries.values().stream()
                      .min((a, b) -> Long.compare(a.createRevision(), b.createRevision()))
                      .map(Entry::value)
                      .orElse(null);
              if (!Objects.equals(leader, last[0])) {
                last[0] = leader;
                listener.accept(leader);
              }
            };
        GetResponse initial =
            client
                .getKVClient()
                .get(prefix, GetOption.builder().isPrefix(true).build())
                .get(60, TimeUnit.SECONDS);
        synchronized (entries) {
          for (KeyValue kv : initial.getKvs()) {
            entries.put(
                kv.getKey(),
                new Entry(kv.getCreateRevision(), kv.getValue().toString(StandardCharsets.UTF_8)));
          }
          publish.run();
        }
        Watch.Watcher watcher =
            client
                .getWatchClient()
                .watch(
                    prefix,
                    WatchOption.builder()
                        .isPrefix(true)
                        .withRevision(initial.getHeader().getRevision() + 1)
                        .build(),
                    response -> {
                      synchronized (entries) {
                        for (WatchEvent e : response.getEvents()) {
                          KeyValue kv = e.getKeyValue();
                          if (e.getEventType() == WatchEvent.EventType.DELETE) {
                            entries.remove(kv.getKey());
                          } else {
                            entries.put(
                                kv.getKey(),
                                new Entry(
                                    kv.getCreateRevision(),
                                    kv.getValue().toString(StandardCharsets.UTF_8)));
                          }
                        }
                        publish.run();
                      }
                    });
        return watcher::close;
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}
