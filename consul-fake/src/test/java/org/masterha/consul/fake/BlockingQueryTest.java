package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.masterha.consul.fake.ConsulTestSupport.get;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.model.session.SessionInfo;
import org.kiwiproject.consul.option.QueryOptions;

/**
 * Blocking queries (features/blocking.mdx): "?index=N&wait=..." hangs until the resource's index
 * exceeds N or the wait passes. Tests wait for the fake to report the query parked before making
 * the change that should wake it, so nothing depends on timing.
 */
class BlockingQueryTest {

  private final ExecutorService pool = Executors.newCachedThreadPool();
  private FakeConsul fake;
  private Consul consul;
  private KeyValueClient kv;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().build().start();
    consul = ConsulTestSupport.client(fake);
    kv = consul.keyValueClient();
  }

  @AfterEach
  void stopFake() {
    pool.shutdownNow();
    ConsulTestSupport.closeQuietly(consul);
    fake.close();
  }

  @Test
  void readsCarryConsulsQueryHeadersAndTheIndexIsNeverZero() {
    // blocking.mdx: X-Consul-Index on every blocking-capable read, "always be greater than zero".
    ConsulTestSupport.Reply empty = get(fake, "/v1/kv/nothing");
    assertThat(empty.status()).isEqualTo(404);
    assertThat(empty.index()).isEqualTo(1);
    assertThat(empty.header("X-Consul-KnownLeader")).isEqualTo("true");
    assertThat(empty.header("X-Consul-LastContact")).isEqualTo("0");
    assertThat(empty.header("X-Consul-Effective-Consistency")).isEqualTo("leader");
    assertThat(get(fake, "/v1/kv/nothing?stale").header("X-Consul-Effective-Consistency"))
        .isEqualTo("stale");
    assertThat(get(fake, "/v1/kv/nothing?consistent").header("X-Consul-Effective-Consistency"))
        .isEqualTo("consistent");

    kv.putValue("k", "v");
    kv.putValue("other", "v");
    ConsulResponse<Value> response = kv.getConsulResponseWithValue("k").orElseThrow();
    // For a single key the index is its ModifyIndex, not the store's latest index.
    assertThat(response.getIndex())
        .isEqualTo(BigInteger.valueOf(response.getResponse().getModifyIndex()))
        .isEqualTo(BigInteger.TWO);
    assertThat(response.isKnownLeader()).isTrue();
    // A missing key reports the KV table's index, so a 404 still tells a watcher where it is.
    assertThat(get(fake, "/v1/kv/missing").index()).isEqualTo(3);
    assertThat(get(fake, "/v1/kv/?recurse").index()).isEqualTo(3);
  }

  @Test
  void aBlockingGetWakesOnAPutToItsKey() throws Exception {
    kv.putValue("cfg", "v1");
    BigInteger index = kv.getConsulResponseWithValue("cfg").orElseThrow().getIndex();

    CompletableFuture<ConsulResponse<Value>> next =
        CompletableFuture.supplyAsync(
            () ->
                kv.getConsulResponseWithValue("cfg", QueryOptions.blockSeconds(5, index).build())
                    .orElseThrow(),
            pool);
    awaitParked(1);
    assertThat(next).isNotDone();

    kv.putValue("cfg", "v2");

    ConsulResponse<Value> woken = next.get(5, TimeUnit.SECONDS);
    assertThat(woken.getResponse().getValueAsString()).contains("v2");
    assertThat(woken.getIndex()).isGreaterThan(index);
  }

  @Test
  void aBlockingGetIgnoresWritesToOtherKeys() {
    kv.putValue("cfg", "v1");
    BigInteger index = kv.getConsulResponseWithValue("cfg").orElseThrow().getIndex();
    CompletableFuture<Optional<ConsulResponse<Value>>> next =
        CompletableFuture.supplyAsync(
            () -> kv.getConsulResponseWithValue("cfg", QueryOptions.blockSeconds(5, index).build()),
            pool);
    awaitParked(1);

    kv.putValue("cfg-other", "x");
    kv.putValue("unrelated/key", "x");

    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !next.isDone());
  }

  @Test
  void aBlockingGetOfADeletedKeyWakesWithA404AndAHigherIndex() throws Exception {
    kv.putValue("cfg", "v1");
    long index = get(fake, "/v1/kv/cfg").index();
    CompletableFuture<ConsulTestSupport.Reply> next =
        ConsulTestSupport.getAsync(fake, "/v1/kv/cfg?index=" + index + "&wait=5s");
    awaitParked(1);

    kv.deleteKey("cfg");

    ConsulTestSupport.Reply woken = next.get(5, TimeUnit.SECONDS);
    assertThat(woken.status()).isEqualTo(404);
    assertThat(woken.index()).isGreaterThan(index);
  }

  @Test
  void aBlockingRecurseWakesOnAPutUnderItsPrefix() throws Exception {
    kv.putValue("svc/a", "1");
    BigInteger index = kv.getConsulResponseWithValues("svc/").getIndex();
    CompletableFuture<ConsulResponse<List<Value>>> next =
        CompletableFuture.supplyAsync(
            () ->
                kv.getConsulResponseWithValues("svc/", QueryOptions.blockSeconds(5, index).build()),
            pool);
    awaitParked(1);

    kv.putValue("svc/b", "2");

    ConsulResponse<List<Value>> woken = next.get(5, TimeUnit.SECONDS);
    assertThat(woken.getResponse()).extracting(Value::getKey).containsExactly("svc/a", "svc/b");
    assertThat(woken.getIndex()).isGreaterThan(index);
  }

  @Test
  void aBlockingRecurseWakesWhenTheNewestKeyUnderItsPrefixIsDeleted() throws Exception {
    // kv.mdx: with ?recurse the index is the latest ModifyIndex within the prefix. Deleting the
    // newest
    // key would make that go backwards; Consul keeps tombstones so the query wakes with a higher
    // index.
    kv.putValue("svc/a", "1");
    kv.putValue("svc/b", "2");
    BigInteger index = kv.getConsulResponseWithValues("svc/").getIndex();
    assertThat(index)
        .isEqualTo(BigInteger.valueOf(kv.getValue("svc/b").orElseThrow().getModifyIndex()));
    CompletableFuture<ConsulResponse<List<Value>>> next =
        CompletableFuture.supplyAsync(
            () ->
                kv.getConsulResponseWithValues("svc/", QueryOptions.blockSeconds(5, index).build()),
            pool);
    awaitParked(1);

    kv.deleteKey("svc/b");

    ConsulResponse<List<Value>> woken = next.get(5, TimeUnit.SECONDS);
    assertThat(woken.getResponse()).extracting(Value::getKey).containsExactly("svc/a");
    assertThat(woken.getIndex()).isGreaterThan(index);
  }

  @Test
  void aBlockingRecurseIgnoresWritesOutsideItsPrefix() {
    kv.putValue("svc/a", "1");
    BigInteger index = kv.getConsulResponseWithValues("svc/").getIndex();
    CompletableFuture<ConsulResponse<List<Value>>> next =
        CompletableFuture.supplyAsync(
            () ->
                kv.getConsulResponseWithValues("svc/", QueryOptions.blockSeconds(5, index).build()),
            pool);
    awaitParked(1);

    kv.putValue("svcx", "not under svc/");
    kv.deleteKey("svcx");

    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !next.isDone());
  }

  @Test
  void aBlockingQueryTimesOutAfterItsWaitWithTheSameIndex() throws Exception {
    // blocking.mdx: the request hangs until a change or the maximum timeout, plus up to wait/16
    // jitter;
    // "the return of a blocking request is no guarantee of a change".
    kv.putValue("quiet", "v");
    BigInteger index = kv.getConsulResponseWithValue("quiet").orElseThrow().getIndex();
    long start = System.nanoTime();
    ConsulResponse<Value> timedOut =
        kv.getConsulResponseWithValue("quiet", QueryOptions.blockSeconds(1, index).build())
            .orElseThrow();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(timedOut.getIndex()).isEqualTo(index);
    assertThat(timedOut.getResponse().getValueAsString()).contains("v");
    assertThat(took)
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1))
        .isLessThan(Duration.ofMillis(1000 + 1000 / 16 + 1500));
  }

  @Test
  void withoutJitterTheWaitIsExactAndAMissingKeyCanBlockFromIndexOne() {
    try (FakeConsul exact = FakeConsul.builder().blockingJitter(false).build().start()) {
      // blocking.mdx: "It is always safe to use an index of 1 to wait for updates when the data
      // being requested doesn't exist yet".
      long start = System.nanoTime();
      ConsulTestSupport.Reply r = get(exact, "/v1/kv/absent?index=1&wait=250ms");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.index()).isEqualTo(1);
      assertThat(took)
          .isGreaterThanOrEqualTo(Duration.ofMillis(250))
          .isLessThan(Duration.ofMillis(1500));
    }
  }

  @Test
  void aQueryWithoutIndexAnswersAtOnce() {
    kv.putValue("k", "v");
    long start = System.nanoTime();
    assertThat(get(fake, "/v1/kv/k?wait=10s").status()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aBlockingSessionListWakesWhenASessionIsCreated() throws Exception {
    // session.mdx: /session/list supports blocking queries.
    long index = get(fake, "/v1/session/list").index();
    CompletableFuture<List<SessionInfo>> next =
        CompletableFuture.supplyAsync(
            () -> {
              ConsulTestSupport.Reply r = get(fake, "/v1/session/list?index=" + index + "&wait=5s");
              assertThat(r.index()).isGreaterThan(index);
              return consul.sessionClient().listSessions();
            },
            pool);
    awaitParked(1);

    String id =
        consul.sessionClient().createSession(ImmutableSession.builder().name("s").build()).getId();

    assertThat(next.get(5, TimeUnit.SECONDS)).extracting(SessionInfo::getId).containsExactly(id);
  }

  @Test
  void badIndexOrWaitParametersAre400() {
    // agent/http.go parseWait.
    assertThat(get(fake, "/v1/kv/k?index=abc").body()).isEqualTo("Invalid index");
    assertThat(get(fake, "/v1/kv/k?index=1&wait=forever").body()).isEqualTo("Invalid wait time");
    assertThat(get(fake, "/v1/kv/k?stale&consistent").status()).isEqualTo(400);
  }

  private void awaitParked(int n) {
    await().atMost(Duration.ofSeconds(5)).until(() -> fake.blockedQueryCount() == n);
  }
}
