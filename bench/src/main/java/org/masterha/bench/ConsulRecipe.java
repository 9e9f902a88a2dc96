package org.masterha.bench;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.option.QueryOptions;

/**
 * The raw Consul recipe, as Consul's leader-election guide has it: a session per candidate (TTL
 * half the session timeout, as masterha's, renewed at a third of the TTL, lock-delay 0 as
 * masterha's default), {@code PUT ?acquire} on one key, and blocking queries on that key to wait
 * for it to be free and, for observers, to follow the holder. consul-client's blocking reads hold a
 * thread each, so every waiting candidate and every observer is a thread of its own.
 */
final class ConsulRecipe implements Recipe {
  private static final ScheduledExecutorService RENEWER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "consul-raw-renewer");
            t.setDaemon(true);
            return t;
          });

  private final String hostPort;

  ConsulRecipe(String hostPort) {
    this.hostPort = hostPort;
  }

  /** Blocking queries wait up to one session timeout (at least 1 s), as a client would choose. */
  private static int blockSeconds(Duration sessionTimeout) {
    return (int) Math.max(1, sessionTimeout.toSeconds());
  }

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public String description() {
    return "consul-client session + acquire, blocking queries";
  }

  private Consul client(Duration sessionTimeout) {
    return Consul.builder()
        .withUrl("http://" + hostPort)
        .withPing(false)
        .withReadTimeoutMillis((blockSeconds(sessionTimeout) + 30) * 1000L)
        .build();
  }

  private static String key(String path) {
    return path.replaceAll("^/+", "") + "/leader";
  }

  /** The key's current holder and the index to block on next. */
  private record Holder(Optional<String> id, BigInteger index) {}

  private static Holder read(KeyValueClient kv, String key, BigInteger index, int block) {
    ConsulResponse<List<Value>> r =
        kv.getConsulResponseWithValues(key, QueryOptions.blockSeconds(block, index).build());
    Optional<String> holder = Optional.empty();
    if (r.getResponse() != null) {
      for (Value v : r.getResponse()) {
        if (v.getKey().equals(key) && v.getSession().isPresent()) {
          holder = v.getValueAsString();
        }
      }
    }
    BigInteger next = r.getIndex() == null ? index : r.getIndex();
    // Consul's rule: an index that went backwards resets the wait.
    return new Holder(holder, next.compareTo(index) < 0 ? BigInteger.ZERO : next);
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public Candidate candidate(String path, String id, Duration sessionTimeout) {
    Consul consul = client(sessionTimeout);
    int block = blockSeconds(sessionTimeout);
    Duration ttl = sessionTimeout.dividedBy(2);
    String session =
        consul
            .sessionClient()
            .createSession(
                ImmutableSession.builder()
                    .name("bench-" + id)
                    .ttl(ttl.toMillis() + "ms")
                    .lockDelay("0s")
                    .build())
            .getId();
    long renewMs = Math.max(100, ttl.toMillis() / 3);
    ScheduledFuture<?> renewal =
        RENEWER.scheduleWithFixedDelay(
            () -> {
              try {
                consul.sessionClient().renewSession(session);
              } catch (RuntimeException e) {
                // the next renewal tries again
              }
            },
            renewMs,
            renewMs,
            TimeUnit.MILLISECONDS);
    String key = key(path);
    KeyValueClient kv = consul.keyValueClient();
    return new Candidate() {
      private volatile boolean closed;

      @Override
      public String id() {
        return id;
      }

      @Override
      public CompletableFuture<Long> contend() {
        CompletableFuture<Long> elected = new CompletableFuture<>();
        daemon(
            "consul-raw-candidate-" + id,
            () -> {
              BigInteger index = BigInteger.ZERO;
              while (!closed) {
                try {
                  if (kv.acquireLock(key, id, session)) {
                    elected.complete(System.nanoTime());
                    return;
                  }
                  Holder h = read(kv, key, index, block);
                  index = h.index();
                  while (!closed && h.id().isPresent()) {
                    h = read(kv, key, index, block);
                    index = h.index();
                  }
                } catch (RuntimeException e) {
                  if (closed) {
                    return;
                  }
                  sleep(100);
                }
              }
            });
        return elected;
      }

      @Override
      public void withdraw() {
        kv.releaseLock(key, session);
      }

      @Override
      public void close() {
        closed = true;
        renewal.cancel(false);
        try {
          consul.sessionClient().destroySession(session);
        } catch (RuntimeException e) {
          // expires by itself
        }
        consul.destroy();
      }
    };
  }

  @Override
  public Observers observers(String path, Duration sessionTimeout) {
    Consul consul = client(sessionTimeout);
    int block = blockSeconds(sessionTimeout);
    KeyValueClient kv = consul.keyValueClient();
    String key = key(path);
    return new Observers() {
      private volatile boolean closed;

      @Override
      public AutoCloseable observe(Consumer<String> listener) {
        AtomicBoolean stop = new AtomicBoolean();
        daemon(
            "consul-raw-observer",
            () -> {
              BigInteger index = BigInteger.ZERO;
              String last = "\0";
              while (!closed && !stop.get()) {
                try {
                  Holder h = read(kv, key, index, block);
                  index = h.index();
                  String leader = h.id().orElse(null);
                  if (!Objects.equals(leader, last)) {
                    last = leader;
                    listener.accept(leader);
                  }
                } catch (RuntimeException e) {
                  if (closed || stop.get()) {
                    return;
                  }
                  sleep(100);
                }
              }
            });
        return () -> stop.set(true);
      }

      @Override
      public void close() {
        closed = true;
        consul.destroy();
      }
    };
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
