package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.masterha.stores.EtcdCluster.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;

/**
 * What is particular to etcd, against one real server with etcd's default raft timing: the key
 * layout and the lease behind it, the TTL minimum, the local deadline measured against the server's
 * own expiry, and watches that outlive a compaction of the revision they follow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdStoreTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final AtomicInteger PATHS = new AtomicInteger();

  private EtcdFixture fixture;
  private Client admin;
  private String base;
  private final List<EtcdFixture.Client> clients =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    fixture = EtcdFixture.single("store");
    fixture.start();
    admin = fixture.cluster().admin();
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  @org.junit.jupiter.api.BeforeEach
  void path(TestInfo info) {
    base = "/store/" + info.getTestMethod().orElseThrow().getName() + "-" + PATHS.incrementAndGet();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(EtcdFixture.Client::close);
    clients.clear();
  }

  private EtcdFixture.Client connect(Duration timeout) {
    EtcdFixture.Client c = (EtcdFixture.Client) fixture.connect(base, timeout);
    clients.add(c);
    return c;
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private KeyValue stored(String key) throws Exception {
    List<KeyValue> kvs = admin.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  /**
   * The safety net of issue 10: a key bound to the session's own live lease that no membership of
   * this client stands on is deleted at once. A session never holds a member it does not know
   * about.
   */
  @Test
  void aKeyOfOurOwnLeaseWithoutAMembershipIsDeleted() throws Exception {
    HaSession session = connect(TIMEOUT).session();
    Membership ours = await(session.group("").join(utf8("{}"), Optional.of("json.info")));
    long lease = Long.parseUnsignedLong(session.sessionId(), 16);
    String ghost = base + "/json.info_" + session.sessionId() + "_999999";
    await(
        admin
            .getKVClient()
            .put(
                bytes(ghost),
                bytes("ghost"),
                io.etcd.jetcd.options.PutOption.builder().withLeaseId(lease).build()));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stored(ghost) == null);
    assertThat(await(session.group("").members()))
        .as("members after the sweep")
        .containsExactly(ours);
    assertThat(ours.cancelled()).as("our real membership").isNotDone();
    assertThat(stored(base + "/" + ours.id())).as("our real member's key").isNotNull();
  }

  @Test
  void membersAreKeysBoundToTheSessionsLeaseWithTheirCreateRevisionAsSequence() throws Exception {
    HaSession session = connect(TIMEOUT).session();
    Membership master = await(session.group("").join(utf8("{}"), Optional.of("json.info")));
    Membership replica = await(session.pidGroup().join("log-replica(1)@127.0.0.1:5050"));
    long lease = Long.parseUnsignedLong(session.sessionId(), 16);

    assertThat(master.id())
        .isEqualTo(
            "json.info_"
                + session.sessionId()
                + "_"
                + master.id().substring(master.id().lastIndexOf('_') + 1));
    KeyValue m = stored(base + "/" + master.id());
    assertThat(m).as("the master's key").isNotNull();
    assertThat(m.getCreateRevision()).as("sequence = create revision").isEqualTo(master.sequence());
    assertThat(m.getLease()).as("bound to the session's lease").isEqualTo(lease);
    assertThat(m.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("{}");
    KeyValue r = stored(base + "/log_replicas/" + replica.id());
    assertThat(r).as("the replica's key").isNotNull();
    assertThat(replica.id()).startsWith(session.sessionId() + "_");
    assertThat(replica.label()).isEmpty();
    assertThat(r.getLease()).isEqualTo(lease);
    assertThat(r.getCreateRevision())
        .isEqualTo(replica.sequence())
        .isGreaterThan(master.sequence());
    assertThat(await(admin.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT)).getGrantedTTL())
        .as("the lease TTL is the session timeout in seconds")
        .isEqualTo(3);

    // Only direct children are members: the replica, one level down, is not one of the masters.
    assertThat(await(session.group("").members())).containsExactly(master);
    assertThat(await(session.group(HaSession.LOG_REPLICAS).members())).containsExactly(replica);

    // The clean exit revokes the lease: its keys are gone at once.
    session.close();
    assertThat(await(admin.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT)).getTTL())
        .as("a revoked lease")
        .isEqualTo(-1);
    assertThat(stored(base + "/" + master.id())).isNull();
    assertThat(stored(base + "/log_replicas/" + replica.id())).isNull();
  }

  @Test
  void keysNotNamedLikeMembersAreIgnored() throws Exception {
    await(admin.getKVClient().put(bytes(base + "/config"), bytes("x")));
    await(
        admin
            .getKVClient()
            .put(bytes(base + "/json.info_0000000001"), bytes("{\"id\":\"zk-style\"}")));
    Group g = connect(TIMEOUT).session().group("");
    assertThat(await(g.members())).isEmpty();
    Membership m = await(g.join(utf8("a"), Optional.of("json.info")));
    assertThat(await(g.members())).containsExactly(m);
  }

  @Test
  void aMemberDeletedBySomeoneElseIsLostAndARecreatedKeyIsAnotherMember() throws Exception {
    Group g = connect(TIMEOUT).session().group("");
    Membership m = await(g.join(utf8("mine"), Optional.of("json.info")));
    String key = base + "/" + m.id();

    await(admin.getKVClient().delete(bytes(key)));
    assertThat(await(m.cancelled()))
        .as("deleted by someone else: lost, not cancelled by us")
        .isFalse();
    assertThat(await(g.cancel(m))).isFalse();

    // Someone writes the same key again: a new create revision, so not our member and not its data.
    await(admin.getKVClient().put(bytes(key), bytes("theirs")));
    assertThat(await(g.data(m))).isEmpty();
    Set<Membership> now = await(g.members());
    assertThat(now).hasSize(1);
    Membership other = now.iterator().next();
    assertThat(other.id()).isEqualTo(m.id());
    assertThat(other.sequence()).isGreaterThan(m.sequence());
    assertThat(other).isNotEqualTo(m);
    assertThat(new String(await(g.data(other)).orElseThrow(), StandardCharsets.UTF_8))
        .isEqualTo("theirs");
  }

  @Test
  void aSessionTimeoutBelowTheServersMinimumLeaseTtlIsRefusedNotStretched() throws Exception {
    // etcd's minimum TTL is 1.5 x its election timeout (1 s by default), rounded up: 2 s. It would
    // silently grant
    // 2 s for the 1 s asked, and a crashed leader would keep its keys twice as long as promised.
    Group g = connect(Duration.ofSeconds(1)).session().group("");
    assertThat(g.join(utf8("x"), Optional.of("json.info")))
        .failsWithin(Duration.ofSeconds(20))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(HaConfigException.class)
        .withMessageContaining("minimum lease TTL of 2s")
        .withMessageContaining("at least 2s");
    assertThat(await(connect(TIMEOUT).session().group("").members()))
        .as("nothing was left behind")
        .isEmpty();
  }

  @Test
  void aCutClientLosesItsMembersWithinTheTimeoutAndBeforeTheServerExpiresThem() throws Exception {
    EtcdFixture.Client client = connect(TIMEOUT);
    Membership m = await(client.session().group("").join(utf8("leader"), Optional.of("json.info")));
    String oldLease = client.session().sessionId();
    // The server's side: when the key goes because the lease expired.
    CompletableFuture<Long> expiredAt = new CompletableFuture<>();
    Watch.Watcher watcher =
        admin
            .getWatchClient()
            .watch(
                bytes(base + "/" + m.id()),
                WatchOption.DEFAULT,
                response -> {
                  for (WatchEvent e : response.getEvents()) {
                    if (e.getEventType() == WatchEvent.EventType.DELETE) {
                      expiredAt.complete(System.nanoTime());
                    }
                  }
                });
    try {
      CompletableFuture<Long> lostAt = m.cancelled().thenApply(x -> System.nanoTime());
      long cutAt = System.nanoTime();
      client.cutConnection();
      long lost = await(lostAt);
      assertThat(await(m.cancelled())).isFalse();
      Duration cutToLost = Duration.ofNanos(lost - cutAt);
      // The last renewal confirmed before the cut was sent at most a sixth of the timeout before
      // it, and the
      // deadline is that send time + timeout - a margin: so lost within the timeout of the cut, but
      // not at the
      // first failed renewal either.
      assertThat(cutToLost).isLessThanOrEqualTo(TIMEOUT).isGreaterThan(TIMEOUT.dividedBy(2));
      long expired = await(expiredAt);
      assertThat(lost)
          .as("our members are lost before the server expires them")
          .isLessThan(expired);
    } finally {
      watcher.close();
      client.restoreConnection();
    }
    // The session carries on with a new lease.
    Membership again =
        await(client.session().group("").join(utf8("again"), Optional.of("json.info")));
    assertThat(again.sequence()).isGreaterThan(m.sequence());
    assertThat(client.session().sessionId()).isNotEqualTo(oldLease).isNotBlank();
  }

  @Test
  void aWatchWhoseRevisionWasCompactedListsAfreshAndMissesNoChange() throws Exception {
    EtcdFixture.Client watching = connect(TIMEOUT);
    Group watched = watching.session().unwrap(EtcdSession.class).group("");
    EtcdGroup view = (EtcdGroup) watched;
    Group writer = connect(TIMEOUT).session().group("");
    Membership m1 = await(writer.join(utf8("1"), Optional.of("json.info")));
    assertThat(await(watched.watch(Set.of()))).containsExactly(m1);
    assertThat(view.listings()).isEqualTo(1);
    long before = view.revision();

    // The watching client is cut off while the group changes and the store compacts away those
    // revisions.
    watching.cutConnection();
    Membership m2 = await(writer.join(utf8("2"), Optional.of("json.info")));
    Membership m3 = await(writer.join(utf8("3"), Optional.of("json.info")));
    assertThat(await(writer.cancel(m1))).isTrue();
    long now = await(admin.getKVClient().get(bytes(base))).getHeader().getRevision();
    await(
        admin
            .getKVClient()
            .compact(now, CompactOption.newBuilder().withCompactPhysical(true).build()));
    assertThat(view.revision())
        .as("the watching view is behind the compaction")
        .isLessThan(now)
        .isEqualTo(before);

    // Its connection breaks and comes back: the watch resumes at a revision that no longer exists.
    watching.resetConnection();
    watching.restoreConnection();
    assertThat(await(watched.watch(Set.of(m1))))
        .as("the set after the compaction, from a fresh listing")
        .containsExactly(m2, m3);
    assertThat(view.listings()).as("listed afresh once").isEqualTo(2);
    assertThat(view.revision()).isGreaterThanOrEqualTo(now);

    // And it follows on from there.
    Membership m4 = await(writer.join(utf8("4"), Optional.of("json.info")));
    assertThat(await(watched.watch(Set.of(m2, m3)))).containsExactly(m2, m3, m4);
  }
}
