package org.masterha.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * The raw ZooKeeper recipe: Curator's {@code LeaderLatch} per candidate, and a {@code CuratorCache}
 * of the latch's path per observer, the leader being the child with the lowest sequence number (the
 * latch stores the candidate's id as the node's data).
 */
final class CuratorRecipe implements Recipe {
  private final String connectString;

  CuratorRecipe(String connectString) {
    this.connectString = connectString;
  }

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public String description() {
    return "Curator LeaderLatch + CuratorCache";
  }

  private CuratorFramework client(Duration sessionTimeout) throws InterruptedException {
    int ms = Math.toIntExact(sessionTimeout.toMillis());
    CuratorFramework client =
        CuratorFrameworkFactory.builder()
            .connectString(connectString)
            .sessionTimeoutMs(ms)
            .connectionTimeoutMs(ms)
            .retryPolicy(new ExponentialBackoffRetry(100, 10))
            .build();
    client.start();
    if (!client.blockUntilConnected(60, TimeUnit.SECONDS)) {
      client.close();
      throw new IllegalStateException("Curator did not connect to " + connectString);
    }
    return client;
  }

  @Override
  public Candidate candidate(String path, String id, Duration sessionTimeout) throws Exception {
    CuratorFramework client = client(sessionTimeout);
    return new Candidate() {
      private LeaderLatch latch;

      @Override
      public String id() {
        return id;
      }

      @Override
      public CompletableFuture<Long> contend() throws Exception {
        CompletableFuture<Long> elected = new CompletableFuture<>();
        latch = new LeaderLatch(client, path, id);
        latch.addListener(
            new LeaderLatchListener() {
              @Override
              public void isLeader() {
                elected.complete(System.nanoTime());
              }

              @Override
              public void notLeader() {}
            });
        latch.start();
        return elected;
      }

      @Override
      public void withdraw() throws Exception {
        latch.close();
        latch = null;
      }

      @Override
      public void close() {
        if (latch != null) {
          try {
            latch.close();
          } catch (Exception e) {
            // already closed
          }
        }
        client.close();
      }
    };
  }

  /** The latch's node names end in a 10-digit sequence number. */
  private static long sequence(ChildData d) {
    String p = d.getPath();
    return Long.parseLong(p.substring(Math.max(0, p.length() - 10)));
  }

  @Override
  public Observers observers(String path, Duration sessionTimeout) throws Exception {
    CuratorFramework client = client(sessionTimeout);
    String prefix = path + "/";
    return new Observers() {
      @Override
      public AutoCloseable observe(Consumer<String> listener) {
        CuratorCache cache = CuratorCache.build(client, path);
        Object lock = new Object();
        String[] last = {"\0"};
        cache
            .listenable()
            .addListener(
                (type, oldData, data) -> {
                  synchronized (lock) {
                    String leader =
                        cache.stream()
                            .filter(
                                d ->
                                    d.getPath().startsWith(prefix)
                                        && d.getPath().indexOf('/', prefix.length()) < 0
                                        && d.getPath().contains("latch-"))
                            .min(Comparator.comparingLong(CuratorRecipe::sequence))
                            .map(d -> new String(d.getData(), StandardCharsets.UTF_8))
                            .orElse(null);
                    if (!Objects.equals(leader, last[0])) {
                      last[0] = leader;
                      listener.accept(leader);
                    }
                  }
                });
        cache.start();
        return cache::close;
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}
