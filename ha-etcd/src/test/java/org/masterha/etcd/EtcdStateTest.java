package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.stores.EtcdCluster.bytes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.CompactOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;
import org.masterha.proto.MasterInfo;
import org.masterha.tck.StaleView;

/**
 * What is particular to etcd's state store, against one real server with etcd's defaults (its
 * default {@code --max-request-bytes} in particular): the key layout, versions as mod revisions,
 * keys that outlive the writer's lease, the value size boundary, the fencing transaction refusing a
 * stale member, writes whose answer is lost, compaction, and the base group's watch, which must not
 * carry the state's values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdStateTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final AtomicInteger PATHS = new AtomicInteger();

  private EtcdFixture fixture;
  private Client admin;
  private String base;
  private final List<EtcdFixture.Client> clients = new CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    fixture = EtcdFixture.single("state");
    fixture.start();
    admin = fixture.cluster().admin();
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  @BeforeEach
  void path(TestInfo info) {
    base =
        "/state-test/"
            + info.getTestMethod().orElseThrow().getName()
            + "-"
            + PATHS.incrementAndGet();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(EtcdFixture.Client::close);
    clients.clear();
  }

  private EtcdFixture.Client connect() {
    EtcdFixture.Client c = (EtcdFixture.Client) fixture.connect(base, TIMEOUT);
    clients.add(c);
    return c;
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      Object value = f.get(20, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private KeyValue stored(String key) throws Exception {
    List<KeyValue> kvs = await(admin.getKVClient().get(bytes(key))).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  private static MasterInfo master(String id, int port) {
    return MasterInfo.newBuilder()
        .setId(id)
        .setIp(16777343)
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .build();
  }

  @Test
  void variablesAreKeysUnderStateWithTheModRevisionAsVersionAndOutliveTheWritersLease()
      throws Exception {
    EtcdFixture.Client writer = connect();
    Candidacy leader = await(writer.session().contender(master("writer", 5050)).contend());
    await(leader.elected());
    State state = writer.session().state(leader);
    Variable v1 = await(state.store(Variable.absent("registry"), utf8("agents: 1"))).orElseThrow();
    Variable v2 = await(state.store(v1, utf8("agents: 2"))).orElseThrow();

    KeyValue kv = stored(base + "/state/registry");
    assertThat(kv).as("the variable's key").isNotNull();
    assertThat(kv.getModRevision()).as("version = mod revision").isEqualTo(v2.version());
    assertThat(kv.getCreateRevision()).isEqualTo(v1.version());
    assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("agents: 2");
    assertThat(kv.getLease()).as("not bound to any lease").isZero();
    long lease = Long.parseUnsignedLong(writer.session().sessionId(), 16);
    assertThat(lease).as("the writer holds a lease, for its candidacy").isNotZero();

    // The writer exits cleanly: its lease is revoked and its candidacy's key goes, the state stays.
    writer.close();
    clients.remove(writer);
    assertThat(stored(base + "/" + leader.membership().id())).as("the candidacy's key").isNull();
    assertThat(stored(base + "/state/registry").getModRevision()).isEqualTo(v2.version());
    State reader = connect().session().state();
    assertThat(await(reader.fetch("registry"))).isEqualTo(v2);
    assertThat(await(reader.names())).containsExactly("registry");

    // Expunged and created again: a new, higher version, never an old one.
    assertThat(await(reader.expunge(v2))).isTrue();
    assertThat(stored(base + "/state/registry")).isNull();
    Variable again = await(reader.store(Variable.absent("registry"), utf8("fresh"))).orElseThrow();
    assertThat(again.version())
        .isGreaterThan(v2.version())
        .isEqualTo(stored(base + "/state/registry").getModRevision());
  }

  @Test
  void theBaseGroupIgnoresStateKeysEvenNamedLikeMembersAndNoGroupMayLiveThere() throws Exception {
    HaSession session = connect().session();
    Group masters = session.group("");
    Membership m = await(masters.join(utf8("{}"), Optional.of("json.info")));
    // A variable whose name has a member's shape: one level too deep to be a member of the base
    // group.
    String memberLike = "json.info_" + session.sessionId() + "_99";
    Variable v =
        await(session.state().store(Variable.absent(memberLike), utf8("not a master")))
            .orElseThrow();
    assertThat(stored(base + "/state/" + memberLike)).isNotNull();
    assertThat(await(masters.members())).containsExactly(m);
    assertThat(await(masters.watch(Set.of()))).containsExactly(m);
    assertThat(await(connect().session().group("").members())).containsExactly(m);
    assertThat(await(session.state().names())).containsExactly(memberLike);

    assertThatThrownBy(() -> session.group("state"))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("state variables");
    assertThatThrownBy(() -> session.group("state/sub")).isInstanceOf(HaConfigException.class);
    assertThat(await(session.state().fetch(memberLike))).isEqualTo(v);
  }

  @Test
  void aValueOfTheLimitGoesThroughADefaultEtcdWithALongPathAndNameAndTheServersOwnLimitIsJustAbove()
      throws Exception {
    // The limit leaves room for the transaction's keys, compares and header: check it with a long
    // base path, the
    // longest name, a fenced write (the member's key is in the request twice) and etcd's default
    // request limit.
    base = "/state-test/" + "p".repeat(1000);
    EtcdFixture.Client client = connect();
    Candidacy leader = await(client.session().contender(master("big", 5050)).contend());
    await(leader.elected());
    State state = client.session().state(leader);
    assertThat(state.maxValueBytes()).isEqualTo(1536 * 1024 - 16 * 1024);
    String name = "n".repeat(128);
    byte[] largest = new byte[state.maxValueBytes()];
    Arrays.fill(largest, (byte) 'x');

    Variable created = await(state.store(Variable.absent(name), largest)).orElseThrow();
    Variable replaced = await(state.store(created, largest)).orElseThrow();
    assertThat(await(state.fetch(name)).value()).isEqualTo(largest);
    assertThat(replaced.version()).isGreaterThan(created.version());

    // etcd's own limit is real and close: a bare put of 1.5 MiB is refused, whatever we allow.
    Throwable refused =
        failure(
            admin
                .getKVClient()
                .put(bytes(base + "/state/" + name), ByteSequence.from(new byte[1536 * 1024])));
    assertThat(EtcdErrors.describe(refused)).contains("request is too large");
    assertThat(await(state.fetch(name))).isEqualTo(replaced);
  }

  @Test
  void aStaleFenceIsRefusedAsLeadershipLostByTheTransactionAndNothingChanges() throws Exception {
    EtcdFixture.Client client = connect();
    Candidacy leader = await(client.session().contender(master("old", 5050)).contend());
    Leader asElected = await(leader.elected());
    Variable v =
        await(client.session().state(leader).store(Variable.absent("registry"), utf8("mine")))
            .orElseThrow();
    String memberKey = base + "/" + leader.membership().id();
    State paused = client.session().state(StaleView.of(leader, asElected));

    // Someone deletes the leader's key (an operator, or etcd expiring its lease while it was
    // paused).
    await(admin.getKVClient().delete(bytes(memberKey)));
    Throwable gone = failure(paused.store(v, utf8("from a deposed leader")));
    assertThat(gone)
        .isInstanceOf(LeadershipLostException.class)
        .hasMessageContaining("'registry'")
        .hasMessageContaining("gone from etcd")
        .hasMessageContaining("nothing was changed");
    assertThat(failure(paused.store(Variable.absent("registry"), utf8("stale version too"))))
        .as("leadership lost takes precedence over a version conflict")
        .isInstanceOf(LeadershipLostException.class);
    assertThat(failure(paused.store(Variable.absent("other"), utf8("new variable"))))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(failure(paused.expunge(v))).isInstanceOf(LeadershipLostException.class);

    // The same key written again by someone else is another member: its create revision differs.
    await(admin.getKVClient().put(bytes(memberKey), bytes("{}")));
    Throwable replaced = failure(paused.store(v, utf8("from a deposed leader")));
    assertThat(replaced)
        .isInstanceOf(LeadershipLostException.class)
        .hasMessageContaining("written again");

    KeyValue kv = stored(base + "/state/registry");
    assertThat(kv.getModRevision()).as("nothing changed").isEqualTo(v.version());
    assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("mine");
    assertThat(stored(base + "/state/other")).isNull();
    assertThat(await(connect().session().state().fetch("registry"))).isEqualTo(v);
  }

  @Test
  void aWriteMadeWhileEtcdCannotBeReachedWaitsForItAndIsThenSentOnce() throws Exception {
    EtcdFixture.Client client = connect();
    State state = client.session().state();
    Variable v = await(state.store(Variable.absent("registry"), utf8("before"))).orElseThrow();

    // Nothing can be sent while every connection is reset: the write must neither fail as an
    // unknown outcome (it was
    // never sent) nor give up; it waits for etcd.
    client.resetConnection();
    CompletableFuture<Optional<Variable>> during;
    try {
      during = state.store(v, utf8("while unreachable"));
      assertThatThrownBy(() -> during.get(500, TimeUnit.MILLISECONDS))
          .as("still waiting for etcd")
          .isInstanceOf(TimeoutException.class);
    } finally {
      client.restoreConnection();
    }
    Variable stored = await(during).orElseThrow();
    assertThat(stored.version()).isGreaterThan(v.version());
    assertThat(await(connect().session().state().fetch("registry"))).isEqualTo(stored);
  }

  /**
   * The kit's proxy loses every answer on the connection from the transaction that carries the
   * value on (the backend's read that first checks etcd is there passes), and resets that
   * connection when restored, as when a connection dies after etcd applied a write and before its
   * answer arrived.
   */
  @Test
  void aWriteAppliedWhoseAnswerIsLostFailsSayingTheOutcomeIsUnknownAndIsNotSentAgain()
      throws Exception {
    EtcdFixture.Client client = connect();
    State state = client.session().state();
    Variable v = await(state.store(Variable.absent("registry"), utf8("before"))).orElseThrow();
    State observer = connect().session().state();

    byte[] value = utf8("applied, answer lost");
    client.loseAnswersAfterSending(value);
    CompletableFuture<Optional<Variable>> write;
    try {
      write = state.store(v, value);
      Awaitility.await()
          .atMost(20, TimeUnit.SECONDS)
          .until(() -> await(observer.fetch("registry")).version() > v.version());
    } finally {
      client.restoreConnection();
    }
    Throwable unknown = failure(write);
    assertThat(unknown)
        .isInstanceOf(OutcomeUnknownException.class)
        .hasMessageContaining("'registry'")
        .hasMessageContaining("outcome is unknown")
        .hasMessageContaining("fetch the variable");
    assertThat(client.timesSent())
        .as("sent once: a second copy would have reported a false conflict")
        .isEqualTo(1);

    // It was applied: fetching tells the caller so.
    Variable now = await(state.fetch("registry"));
    assertThat(now.version()).isGreaterThan(v.version());
    assertThat(now.value()).isEqualTo(value);
    assertThat(await(state.store(v, utf8("stale"))))
        .as("the version held before is stale now")
        .isEmpty();
  }

  @Test
  void aBaseGroupWatchThatFellBehindLargeStateWritesFollowsTheGroupOn() throws Exception {
    // Every master and detector watches the base group. Were the state's values in that watch, each
    // would
    // receive every state write, and one that resumes behind a few large writes would be sent them
    // in one
    // message larger than gRPC accepts (4 MiB), failing again at each resumption.
    EtcdFixture.Client watching = connect();
    Group watched = watching.session().group("");
    EtcdFixture.Client other = connect();
    Group writer = other.session().group("");
    Membership m1 = await(writer.join(utf8("1"), Optional.of("json.info")));
    assertThat(await(watched.watch(Set.of()))).containsExactly(m1);

    watching.resetConnection();
    try {
      State state = other.session().state();
      byte[] large = new byte[state.maxValueBytes()];
      for (int i = 0; i < 4; i++) {
        await(state.store(Variable.absent("large-" + i), large)).orElseThrow();
      }
      Membership m2 = await(writer.join(utf8("2"), Optional.of("json.info")));
      watching.restoreConnection();
      assertThat(await(watched.watch(Set.of(m1)))).containsExactly(m1, m2);
      Membership m3 = await(writer.join(utf8("3"), Optional.of("json.info")));
      assertThat(await(watched.watch(Set.of(m1, m2)))).containsExactly(m1, m2, m3);
    } finally {
      watching.restoreConnection();
    }
  }

  @Test
  void compactionOfTheHistoryDoesNotAffectCompareAndSwap() throws Exception {
    State state = connect().session().state();
    Variable v1 = await(state.store(Variable.absent("registry"), utf8("1"))).orElseThrow();
    Variable v2 = await(state.store(v1, utf8("2"))).orElseThrow();
    long now = await(admin.getKVClient().get(bytes(base))).getHeader().getRevision();
    await(
        admin
            .getKVClient()
            .compact(now, CompactOption.newBuilder().withCompactPhysical(true).build()));

    assertThat(await(state.store(v1, utf8("stale"))))
        .as("an older version still conflicts")
        .isEmpty();
    Variable v3 = await(state.store(v2, utf8("3"))).orElseThrow();
    assertThat(await(state.fetch("registry"))).isEqualTo(v3);
  }
}
