package org.masterha.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.SessionInfo;
import org.kiwiproject.consul.option.ImmutablePutOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.HaSession;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.tck.TestClient;

/**
 * The Consul mapping itself, against the fake: layout, sequences, clean exit, expiry, the local
 * deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsulGroupTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(4);
  private final AtomicInteger paths = new AtomicInteger();
  private FakeConsulFixture fixture;
  private Consul raw;

  @BeforeAll
  void start() throws Exception {
    fixture = new FakeConsulFixture();
    fixture.start();
    raw = Consul.builder().withUrl(fixture.consul().httpUrl()).build();
  }

  @AfterAll
  void stop() throws Exception {
    if (raw != null) {
      raw.destroy();
    }
    fixture.close();
  }

  private String newPath() {
    return "/consul-group-test-" + paths.incrementAndGet();
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void membersAreKeysHeldByTheSessionWithCreateIndexAsSequence() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      Group group = a.session().group("");
      Membership m = get(group.join("hello".getBytes(UTF_8), Optional.of("json.info")));

      assertThat(m.id()).startsWith("json.info_");
      assertThat(m.label()).contains("json.info");
      Value key = raw.keyValueClient().getValue(path.substring(1) + "/" + m.id()).orElseThrow();
      assertThat(key.getCreateIndex()).isEqualTo(m.sequence());
      assertThat(key.getSession()).contains(a.session().sessionId());
      assertThat(key.getValueAsString()).contains("hello");
      assertThat(get(group.data(m)))
          .hasValueSatisfying(d -> assertThat(new String(d, UTF_8)).isEqualTo("hello"));

      SessionInfo info = raw.sessionClient().getSessionInfo(a.session().sessionId()).orElseThrow();
      assertThat(info.getTtl()).contains("2s");
      assertThat(info.getBehavior()).isEqualTo("delete");
      assertThat(info.getLockDelay()).isEqualTo(0L);

      Membership second = get(group.join("again".getBytes(UTF_8), Optional.of("json.info")));
      assertThat(second.sequence()).isGreaterThan(m.sequence());
      assertThat(get(group.members())).containsExactly(m, second);
    }
  }

  @Test
  void onlyDirectChildrenHeldByASessionAreMembers() throws Exception {
    String path = newPath();
    String prefix = path.substring(1);
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      HaSession s = a.session();
      Membership replica = get(s.pidGroup().join("log-replica(1)@127.0.0.1:5050"));
      Membership master = get(s.group("").join("m".getBytes(UTF_8), Optional.of("json.info")));
      // A key no session holds, and one nested deeper: neither is a member of the base group.
      raw.keyValueClient().putValue(prefix + "/json.info_stale", "x");
      raw.keyValueClient().putValue(prefix + "/other/json.info_deep", "x");

      assertThat(get(s.group("").members())).containsExactly(master);
      assertThat(get(s.group(HaSession.LOG_REPLICAS).members())).containsExactly(replica);
      assertThat(replica.label()).isEmpty();
      assertThat(get(s.pidGroup().endpoints())).containsExactly("log-replica(1)@127.0.0.1:5050");
    }
  }

  @Test
  void cancelDeletesAtOnceAndOnlyOnce() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT);
        TestClient b = fixture.connect(path, TIMEOUT)) {
      Group group = a.session().group("");
      Membership m = get(group.join("x".getBytes(UTF_8), Optional.of("json.info")));
      Group other = b.session().group("");
      await().atMost(Duration.ofSeconds(10)).until(() -> get(other.members()).contains(m));

      assertThat(get(group.cancel(m))).isTrue();
      assertThat(m.cancelled()).isCompletedWithValue(true);
      assertThat(get(other.watch(Set.of(m)))).isEmpty();
      assertThat(get(group.cancel(m))).isFalse();
      assertThat(get(other.cancel(m))).as("not b's member").isFalse();
      assertThat(get(group.data(m))).isEmpty();
    }
  }

  @Test
  void aMemberDeletedBySomeoneElseIsLost() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      Membership m = get(a.session().group("").join("x".getBytes(UTF_8), Optional.of("json.info")));
      raw.keyValueClient().deleteKey(path.substring(1) + "/" + m.id());
      assertThat(get(m.cancelled())).isFalse();
    }
  }

  @Test
  void cleanCloseDestroysTheSessionSoMembersVanishAtOnce() throws Exception {
    String path = newPath();
    // A long timeout: were the member left to expire, it would stay for 10s or more.
    Duration longTimeout = Duration.ofSeconds(20);
    try (TestClient observer = fixture.connect(path, TIMEOUT)) {
      TestClient a = fixture.connect(path, longTimeout);
      Membership m = get(a.session().group("").join("x".getBytes(UTF_8), Optional.of("json.info")));
      String id = a.session().sessionId();
      Group watched = observer.session().group("");
      await().atMost(Duration.ofSeconds(10)).until(() -> get(watched.members()).contains(m));

      long closing = System.nanoTime();
      a.close();
      assertThat(m.cancelled()).isCompletedWithValue(true);
      assertThat(get(watched.watch(Set.of(m)))).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(5));
      assertThat(raw.sessionClient().getSessionInfo(id)).isEmpty();
    }
  }

  @Test
  void serverSideExpiryLosesTheMembersAndANewSessionTakesOver() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      Group group = a.session().group("");
      Membership m = get(group.join("x".getBytes(UTF_8), Optional.of("json.info")));
      String first = a.session().sessionId();

      fixture.expireSession(a);
      assertThat(get(m.cancelled())).isFalse();

      ConsulSession session = a.session().unwrap(ConsulSession.class);
      String second =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(session::liveSessionId, id -> id.isPresent() && !id.get().equals(first))
              .orElseThrow();
      Membership again = get(group.join("y".getBytes(UTF_8), Optional.of("json.info")));
      assertThat(again.sequence()).isGreaterThan(m.sequence());
      assertThat(
              raw.keyValueClient()
                  .getValue(path.substring(1) + "/" + again.id())
                  .orElseThrow()
                  .getSession())
          .contains(second);
      assertThat(get(group.members())).containsExactly(again);
    }
  }

  /**
   * Rule 2 of docs/contract.md: cut off from Consul, the member's holder gives it up on its own
   * clock one TTL after its last confirmed renewal, before the fake (which reaps at exactly one
   * TTL, the earliest Consul may) deletes it.
   */
  @Test
  void cutOffTheHolderGivesUpBeforeConsulCouldReapTheSession() throws Exception {
    String path = newPath();
    try (FakeConsulFixture.Client a = fixture.connect(path, TIMEOUT);
        TestClient observer = fixture.connect(path, TIMEOUT)) {
      Membership m = get(a.session().group("").join("x".getBytes(UTF_8), Optional.of("json.info")));
      Group watched = observer.session().group("");
      await().atMost(Duration.ofSeconds(10)).until(() -> get(watched.members()).contains(m));

      long cut = System.nanoTime();
      a.cutConnection();
      CompletableFuture<Long> lostAt = m.cancelled().thenApply(x -> System.nanoTime());
      CompletableFuture<Long> vanishedAt =
          watched.watch(Set.of(m)).thenApply(x -> System.nanoTime());

      assertThat(get(m.cancelled())).isFalse();
      long lost = get(lostAt);
      long vanished = get(vanishedAt);
      Duration ttl = TIMEOUT.dividedBy(2);
      assertThat(Duration.ofNanos(lost - cut))
          .as("lost within one TTL of the cut")
          .isLessThanOrEqualTo(ttl);
      assertThat(lost).as("lost before the member vanished from the store").isLessThan(vanished);

      a.restoreConnection();
      // Back online it goes on with a new Consul session.
      Membership again =
          get(a.session().group("").join("y".getBytes(UTF_8), Optional.of("json.info")));
      assertThat(get(watched.watch(Set.of()))).contains(again);
    }
  }

  @Test
  void aBlipShorterThanTheTtlChangesNothing() throws Exception {
    String path = newPath();
    try (FakeConsulFixture.Client a = fixture.connect(path, TIMEOUT)) {
      Membership m = get(a.session().group("").join("x".getBytes(UTF_8), Optional.of("json.info")));
      String id = a.session().sessionId();
      a.cutConnection();
      // Wait out a quarter TTL with nothing to observe but the clock: the point is that nothing
      // happens.
      CompletableFuture<Void> blip = new CompletableFuture<>();
      blip.completeOnTimeout(null, TIMEOUT.toMillis() / 8, TimeUnit.MILLISECONDS).get();
      a.restoreConnection();
      // Two TTLs later the member and its session are still there.
      CompletableFuture<Boolean> gone = m.cancelled().copy();
      assertThat(gone.completeOnTimeout(null, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get())
          .isNull();
      assertThat(a.session().sessionId()).isEqualTo(id);
      assertThat(get(a.session().group("").members())).containsExactly(m);
    }
  }

  @Test
  void indexGoingBackwardsResetsTheWatch() throws Exception {
    String path = newPath();
    FakeConsul consul = fixture.consul();
    try (TestClient a = fixture.connect(path, TIMEOUT);
        TestClient observer = fixture.connect(path, TIMEOUT)) {
      Group group = a.session().group("");
      Membership first = get(group.join("1".getBytes(UTF_8), Optional.of("json.info")));
      ConsulTestSupport.liveSessionId(observer.session());
      FakeConsul.Snapshot before = consul.snapshot();
      Membership second = get(group.join("2".getBytes(UTF_8), Optional.of("json.info")));
      Group watched = observer.session().group("");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> watched.watch(Set.of()).getNow(Set.of()).contains(second));

      consul.restore(before);
      assertThat(consul.currentIndex()).isLessThan(second.sequence());
      // A watch that kept blocking on the old, higher index would never see this.
      assertThat(get(watched.watch(Set.of(first, second)))).containsExactly(first);
    }
  }

  /**
   * A blocking query outwaits the client's ordinary read timeout: consul-client stretches it past
   * the wait.
   */
  @Test
  void blockingQueriesAreNotCutOffByTheReadTimeout() {
    ConsulSettings settings = ConsulSettings.from(fixture.config(newPath(), TIMEOUT));
    assertThat(settings.requestTimeout()).isLessThan(settings.blockingWait());
    ExecutorService dispatcher = Executors.newCachedThreadPool();
    Consul client = ConsulClients.build(settings, Optional.empty(), dispatcher);
    try {
      String prefix = settings.keyPrefix() + "/";
      long index =
          client
              .keyValueClient()
              .getConsulResponseWithValues(prefix, QueryOptions.BLANK)
              .getIndex()
              .longValue();
      long start = System.nanoTime();
      ConsulResponse<List<Value>> response =
          client
              .keyValueClient()
              .getConsulResponseWithValues(
                  prefix,
                  QueryOptions.blockSeconds(
                          (int) settings.blockingWait().toSeconds(), BigInteger.valueOf(index))
                      .build());
      assertThat(response.getIndex().longValue()).isEqualTo(index);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThan(settings.requestTimeout());
    } finally {
      client.destroy();
    }
  }

  @Test
  void watchesSurviveAServerRestart() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT);
        TestClient observer = fixture.connect(path, TIMEOUT)) {
      Group watched = observer.session().group("");
      Set<Membership> empty = get(watched.members());
      fixture.restartServers();
      Membership m = get(a.session().group("").join("x".getBytes(UTF_8), Optional.of("json.info")));
      assertThat(get(watched.watch(empty))).contains(m);
    }
  }

  @Test
  void aKeyAcquiredBehindOurBackWithASessionIsAMember() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      // Another client's session: a key our own session held without our knowing would be deleted
      // as a stray.
      String foreign =
          raw.sessionClient()
              .createSession(
                  org.kiwiproject.consul.model.session.ImmutableSession.builder()
                      .name("someone else")
                      .ttl("30s")
                      .behavior("delete")
                      .build())
              .getId();
      String key = path.substring(1) + "/info_foreign";
      raw.keyValueClient()
          .putValue(
              key,
              "garbage".getBytes(UTF_8),
              0,
              ImmutablePutOptions.builder().acquire(foreign).build());
      Set<Membership> members = get(a.session().group("").members());
      assertThat(members)
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.id()).isEqualTo("info_foreign");
                assertThat(x.label()).contains("info");
              });
      raw.sessionClient().destroySession(foreign);
    }
  }

  /**
   * The safety net of issue 10: a key that our own live session holds but that no membership of
   * this client stands on is deleted at once. A session never holds a member it does not know
   * about.
   */
  @Test
  void aKeyOurOwnSessionHoldsWithoutAMembershipIsDeleted() throws Exception {
    String path = newPath();
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      Membership ours =
          get(a.session().group("").join("ours".getBytes(UTF_8), Optional.of("json.info")));
      String session = ConsulTestSupport.liveSessionId(a.session());
      String key = path.substring(1) + "/json.info_ghost";
      assertThat(
              raw.keyValueClient()
                  .putValue(
                      key,
                      "ghost".getBytes(UTF_8),
                      0,
                      ImmutablePutOptions.builder().acquire(session).build()))
          .as("acquired the ghost key with the client's own session")
          .isTrue();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> raw.keyValueClient().getValue(key).isEmpty());
      assertThat(get(a.session().group("").members()))
          .as("members after the sweep")
          .containsExactly(ours);
      assertThat(ours.cancelled()).as("our real membership").isNotDone();
    }
  }
}
