package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.tck.StaleView;

/**
 * What is particular to ZooKeeper's state store, against one real server with ZooKeeper's defaults
 * (its default {@code jute.maxbuffer} in particular): the znode layout, versions that survive
 * expunge and re-create without repeating, the fencing multi refusing a deleted member, the request
 * size boundary, ACLs with digest auth, a write whose answer is lost, and the base path's members
 * as Mesos lists them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperStateTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(4);
  private static final String USER = "registrar";
  private static final String PASSWORD = "St4te-Pa55-2718";

  private final ZooKeeperFixture fixture = ZooKeeperFixture.singleServer();
  private final List<AutoCloseable> opened = new ArrayList<>();
  private RawClient raw;

  @BeforeAll
  void start() throws Exception {
    fixture.start();
    raw = new RawClient(fixture.connectString());
  }

  @AfterEach
  void closeOpened() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
  }

  @AfterAll
  void stop() {
    if (raw != null) {
      raw.close();
    }
    fixture.close();
  }

  private static String base(TestInfo info) {
    return "/state-test/" + info.getTestMethod().orElseThrow().getName();
  }

  private ZooKeeperFixture.Client connect(String path) {
    ZooKeeperFixture.Client c = (ZooKeeperFixture.Client) fixture.connect(path, TIMEOUT);
    opened.add(c);
    return c;
  }

  private HaSession open(String userInfo, String path) {
    HaSession s =
        new ZooKeeperBackend()
            .open(
                HaConfig.builder()
                    .url("zk://" + userInfo + fixture.connectString() + path)
                    .sessionTimeout(TIMEOUT)
                    .build());
    opened.add(s);
    return s;
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
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

  private static Variable stored(State state, Variable current, byte[] value) throws Exception {
    return get(state.store(current, value))
        .orElseThrow(() -> new AssertionError("conflict storing " + current));
  }

  private static Candidacy elect(HaSession s, int port) throws Exception {
    Candidacy c =
        get(
            s.contender(MasterInfos.of("master-" + port, "127.0.0.1", port, "localhost", "1.4.0"))
                .contend());
    get(c.elected());
    return c;
  }

  @Test
  void variablesArePersistentZnodesUnderStateHoldingTheValueWithTheDataVersionPlusOneAsVersion(
      TestInfo info) throws Exception {
    String base = base(info);
    HaSession s = connect(base).session();
    State state = s.state();
    Variable v1 = stored(state, Variable.absent("registry"), utf8("{\"agents\":[]}"));
    String node = base + "/state/registry";
    Stat stat = raw.stat(node);
    assertThat(stat.getEphemeralOwner()).as("persistent: the state outlives every master").isZero();
    assertThat(stat.getVersion()).isZero();
    assertThat(v1.version()).isEqualTo(1);
    assertThat(raw.data(node)).as("stored as it is").isEqualTo(utf8("{\"agents\":[]}"));
    assertThat(raw.data(base + "/state")).isEmpty();

    Variable v2 = stored(state, v1, utf8("{\"agents\":[1]}"));
    assertThat(raw.stat(node).getVersion()).isEqualTo(1);
    assertThat(v2.version()).isEqualTo(2);
    Variable same = stored(state, v2, utf8("{\"agents\":[1]}"));
    assertThat(same.version()).as("storing the same bytes again is a new version").isEqualTo(3);

    // Values that are empty or start with 0x00 would read as a tombstone: they are kept behind one
    // 0x00 byte.
    byte[] binary = {0, 1, 2, (byte) 0xff};
    Variable b = stored(state, Variable.absent("binary"), binary);
    assertThat(raw.data(base + "/state/binary")).isEqualTo(new byte[] {0, 0, 1, 2, (byte) 0xff});
    assertThat(get(state.fetch("binary"))).isEqualTo(b);
    Variable empty = stored(state, b, new byte[0]);
    assertThat(raw.data(base + "/state/binary")).isEqualTo(new byte[] {0});
    assertThat(get(state.fetch("binary"))).isEqualTo(empty);
    assertThat(get(state.fetch("binary")).exists()).isTrue();

    // The state outlives its writer's session.
    s.close();
    assertThat(get(connect(base).session().state().fetch("registry"))).isEqualTo(same);
  }

  /**
   * The invariant: a version, once given out for a name, is never given out again, so a variable
   * held from before an expunge can never win a compare-and-swap, however often the name is
   * expunged and created again.
   */
  @Test
  void expungeLeavesATombstoneSoVersionsNeverRepeatAndAStaleVariableNeverWins(TestInfo info)
      throws Exception {
    String base = base(info);
    State state = connect(base).session().state();
    String node = base + "/state/agents";
    List<Variable> seen = new ArrayList<>();
    Variable current = Variable.absent("agents");
    for (int cycle = 0; cycle < 3; cycle++) {
      current = stored(state, current, utf8("created in cycle " + cycle));
      seen.add(current);
      current = stored(state, current, utf8("stored in cycle " + cycle));
      seen.add(current);
      assertThat(get(state.expunge(current))).isTrue();
      assertThat(raw.stat(node)).as("the znode stays, as a tombstone").isNotNull();
      assertThat(raw.stat(node).getDataLength()).isZero();
      assertThat(get(state.fetch("agents")).exists()).isFalse();
      assertThat(get(state.names())).doesNotContain("agents");
      for (Variable stale : seen) {
        assertThat(get(state.store(stale, utf8("stale"))))
            .as("store at " + stale.version() + " after the expunge")
            .isEmpty();
        assertThat(get(state.expunge(stale))).as("expunge at " + stale.version()).isFalse();
      }
      current = get(state.fetch("agents"));
    }
    List<Long> versions = seen.stream().map(Variable::version).toList();
    assertThat(versions).as("every version given out").doesNotHaveDuplicates().isSorted();
    Variable again = stored(state, Variable.absent("agents"), utf8("back"));
    assertThat(again.version()).isGreaterThan(versions.get(versions.size() - 1));
    for (Variable stale : seen) {
      assertThat(get(state.store(stale, utf8("stale"))))
          .as("store at " + stale.version() + " after the re-create")
          .isEmpty();
    }
    assertThat(get(state.fetch("agents"))).isEqualTo(again);
    assertThat(get(state.store(Variable.absent("agents"), utf8("create again"))))
        .as("create of a live variable")
        .isEmpty();

    // Versions no znode can have are conflicts, not errors; children that are not variable names
    // are not listed.
    assertThat(get(state.store(new Variable("agents", new byte[0], 1L << 40), utf8("x"))))
        .isEmpty();
    raw.curator().create().forPath(base + "/state/.hidden", utf8("someone else's"));
    assertThat(get(state.names())).containsExactly("agents");
  }

  @Test
  void theFencingMultiRefusesADeletedMemberAsLeadershipLostAndChangesNothing(TestInfo info)
      throws Exception {
    String base = base(info);
    HaSession s = connect(base).session();
    Candidacy leader = elect(s, 5050);
    Leader asElected = get(leader.elected());
    State fenced = s.state(leader);
    Variable v = stored(fenced, Variable.absent("registry"), utf8("mine"));
    Variable tombstoned = stored(fenced, Variable.absent("expunged"), utf8("to go"));
    assertThat(get(fenced.expunge(tombstoned))).isTrue();
    Stat before = raw.stat(base + "/state/registry");
    Stat tombstoneBefore = raw.stat(base + "/state/expunged");
    List<String> childrenBefore = raw.children(base + "/state");

    // Someone deletes the leader's member (an operator, or the servers expiring its session while
    // it was paused).
    raw.delete(base + "/" + leader.membership().id());
    State paused = s.state(StaleView.of(leader, asElected));
    assertThat(failure(paused.store(v, utf8("from a deposed leader"))))
        .isInstanceOf(LeadershipLostException.class)
        .hasMessageContaining("'registry'")
        .hasMessageContaining("gone from ZooKeeper")
        .hasMessageContaining("nothing was changed");
    assertThat(failure(paused.store(Variable.absent("registry"), utf8("stale version too"))))
        .as("leadership lost takes precedence over a version conflict")
        .isInstanceOf(LeadershipLostException.class);
    assertThat(
            failure(
                paused.store(
                    new Variable("registry", new byte[0], 1L << 40), utf8("no such version"))))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(failure(paused.store(Variable.absent("other"), utf8("new variable"))))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(failure(paused.store(Variable.absent("expunged"), utf8("revive"))))
        .isInstanceOf(LeadershipLostException.class);
    assertThat(failure(paused.expunge(v))).isInstanceOf(LeadershipLostException.class);

    Stat after = raw.stat(base + "/state/registry");
    assertThat(after.getVersion()).as("nothing changed").isEqualTo(before.getVersion());
    assertThat(after.getMzxid()).isEqualTo(before.getMzxid());
    assertThat(raw.data(base + "/state/registry")).isEqualTo(utf8("mine"));
    assertThat(raw.stat(base + "/state/expunged").getMzxid()).isEqualTo(tombstoneBefore.getMzxid());
    assertThat(raw.children(base + "/state")).isEqualTo(childrenBefore);
    assertThat(get(connect(base).session().state().fetch("registry"))).isEqualTo(v);
  }

  /**
   * ZooKeeper refuses a request above {@code jute.maxbuffer} (1,048,575 bytes by default) by
   * closing the connection. The largest value goes through a fenced write with a long base path and
   * the longest name, and the request size this client computes is exactly what the server counts:
   * a multi of the same shape of exactly 1,048,575 bytes is applied, one byte more is refused.
   */
  @Test
  void theLargestValueFitsTheServersDefaultLimitAndTheRequestArithmeticIsTheServers(TestInfo info)
      throws Exception {
    String base = base(info) + "/" + "p".repeat(2000);
    String name = "n".repeat(ZooKeeperState.MAX_NAME_CHARS);
    HaSession s = connect(base).session();
    Candidacy leader = elect(s, 5050);
    State fenced = s.state(leader);
    assertThat(fenced.maxValueBytes()).isEqualTo(1000 * 1024);
    byte[] largest =
        new byte[fenced.maxValueBytes()]; // starts with 0x00: stored escaped, one byte longer
    Variable created = stored(fenced, Variable.absent(name), largest);
    assertThat(raw.stat(base + "/state/" + name).getDataLength()).isEqualTo(largest.length + 1);
    Variable replaced = stored(fenced, created, largest);
    assertThat(get(fenced.expunge(replaced))).isTrue();
    Variable revived = stored(fenced, Variable.absent(name), largest);
    Variable read = get(s.state().fetch(name));
    assertThat(read.version()).isEqualTo(revived.version());
    assertThat(read.value()).isEqualTo(largest);

    int framing =
        ZooKeeperState.framingBytes(
            base, ZooKeeperState.RESERVED_MEMBER_NAME_CHARS, ZooDefs.Ids.OPEN_ACL_UNSAFE);
    assertThat(framing + 1 + ZooKeeperState.MAX_VALUE_BYTES)
        .as("the largest write of this base path")
        .isLessThanOrEqualTo(ZooKeeperState.JUTE_MAXBUFFER_DEFAULT);
    HaSession tooLong = open("", "/" + "p".repeat(12_200));
    assertThatThrownBy(tooLong::state)
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("jute.maxbuffer")
        .hasMessageContaining("12,000 characters");

    String member = base + "/" + leader.membership().id();
    String boundary = base + "/state/boundary";
    List<Op> empty =
        List.of(
            Op.check(member, -1),
            Op.create(boundary, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    int fits = ZooKeeperState.JUTE_MAXBUFFER_DEFAULT - ZooKeeperState.requestBytes(empty);
    List<Op> atLimit =
        List.of(
            Op.check(member, -1),
            Op.create(
                boundary, new byte[fits], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    List<Op> above =
        List.of(
            Op.check(member, -1),
            Op.create(
                boundary + "-above",
                new byte[fits + 1],
                ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT));
    assertThat(ZooKeeperState.requestBytes(atLimit))
        .isEqualTo(ZooKeeperState.JUTE_MAXBUFFER_DEFAULT);
    ZooKeeper zk = rawZooKeeper();
    try {
      zk.multi(atLimit);
      assertThat(raw.stat(boundary).getDataLength()).isEqualTo(fits);
      assertThatThrownBy(() -> zk.multi(above))
          .as("one byte above jute.maxbuffer")
          .isInstanceOf(KeeperException.ConnectionLossException.class);
      assertThat(raw.stat(boundary + "-above")).isNull();
    } finally {
      zk.close();
    }
  }

  /** A plain ZooKeeper handle, without Curator, whose requests are sent exactly once. */
  private ZooKeeper rawZooKeeper() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk =
        new ZooKeeper(
            fixture.connectString(),
            10_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            });
    assertThat(connected.await(20, TimeUnit.SECONDS)).as("raw handle connected").isTrue();
    return zk;
  }

  /**
   * The state is the master's own record: with credentials its znodes are creator-all only, unlike
   * the members, which every detector must read. Another identity can neither read nor write it,
   * and still detects the leader.
   */
  @Test
  void withDigestCredentialsTheStateIsCreatorOnlyWhileMembersStayWorldReadable(TestInfo info)
      throws Exception {
    String base = base(info);
    HaSession owner = open(USER + ":" + PASSWORD + "@", base);
    Candidacy leader = elect(owner, 5050);
    Variable v = stored(owner.state(leader), Variable.absent("registry"), utf8("agents"));

    Id creator =
        new Id("digest", DigestAuthenticationProvider.generateDigest(USER + ":" + PASSWORD));
    List<ACL> creatorOnly = List.of(new ACL(ZooDefs.Perms.ALL, creator));
    List<ACL> worldReadable =
        List.of(
            new ACL(ZooDefs.Perms.ALL, creator),
            new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    try (RawClient same =
        new RawClient(
            CuratorFrameworkFactory.builder()
                .connectString(fixture.connectString())
                .sessionTimeoutMs(10_000)
                .retryPolicy(new RetryNTimes(20, 100))
                .ensembleTracker(false)
                .authorization("digest", utf8(USER + ":" + PASSWORD)))) {
      assertThat(same.curator().getACL().forPath(base + "/state/registry")).isEqualTo(creatorOnly);
      assertThat(same.curator().getACL().forPath(base + "/state")).isEqualTo(creatorOnly);
      assertThat(same.data(base + "/state/registry")).isEqualTo(utf8("agents"));
      assertThat(same.curator().getACL().forPath(base))
          .as("the base path, as Mesos creates it")
          .isEqualTo(worldReadable);
      assertThat(same.curator().getACL().forPath(base + "/" + leader.membership().id()))
          .isEqualTo(worldReadable);
    }
    assertThatThrownBy(() -> raw.data(base + "/state/registry"))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> raw.children(base + "/state"))
        .isInstanceOf(KeeperException.NoAuthException.class);

    HaSession anonymous = open("", base);
    try (Detector d = anonymous.detector()) {
      assertThat(get(d.detect())).map(Leader::membership).contains(leader.membership());
    }
    assertThat(failure(anonymous.state().fetch("registry")))
        .isInstanceOf(HaException.class)
        .hasMessageContaining("NOAUTH");
    HaSession intruder = open(USER + ":wrong-" + PASSWORD + "@", base);
    Throwable refused = failure(intruder.state().store(v, utf8("intruder")));
    assertThat(refused)
        .isInstanceOf(HaException.class)
        .hasMessageContaining("NOAUTH")
        .hasMessageContaining("nothing was changed")
        .hasMessageNotContaining(PASSWORD);
    assertThat(failure(intruder.state().names()))
        .isInstanceOf(HaException.class)
        .hasMessageContaining("NOAUTH");
    assertThat(get(owner.state().fetch("registry"))).isEqualTo(v);
  }

  /**
   * {@code <base>/state} sits among the masters' members, as {@code log_replicas} does: Mesos skips
   * a child whose last '_'-separated token is not a number, and so do we, whatever the variables
   * are called.
   */
  @Test
  void theBasePathsMembersAreUnaffectedByStateAndNoGroupMayLiveThere(TestInfo info)
      throws Exception {
    String base = base(info);
    HaSession s = connect(base).session();
    Candidacy leader = elect(s, 5050);
    State state = s.state(leader);
    for (String name : List.of("json.info_0000000000", "0000000001", "info_0000000002")) {
      stored(state, Variable.absent(name), utf8("{\"not\":\"a master\"}"));
    }
    assertThat(raw.children(base)).containsExactlyInAnyOrder(leader.membership().id(), "state");
    List<String> mesosMembers =
        raw.children(base).stream().filter(ZooKeeperStateTest::mesosSequence).toList();
    assertThat(mesosMembers)
        .as("children Mesos' group takes as members")
        .containsExactly(leader.membership().id());
    assertThat(get(s.group("").members())).containsExactly(leader.membership());
    try (Detector d = connect(base).session().detector()) {
      assertThat(get(d.detect())).map(Leader::membership).contains(leader.membership());
    }
    assertThatThrownBy(() -> s.group("state"))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("state variables");
    assertThatThrownBy(() -> s.group("state/x")).isInstanceOf(HaConfigException.class);
    assertThat(s.group("log_replicas")).isNotNull();
  }

  /**
   * Mesos' {@code Group::cache}: tokenize the child name on '_' and take it only if the last token
   * is a number.
   */
  private static boolean mesosSequence(String child) {
    String[] tokens =
        Arrays.stream(child.split("_")).filter(t -> !t.isEmpty()).toArray(String[]::new);
    if (tokens.length == 0) {
      return false;
    }
    try {
      Integer.parseInt(tokens[tokens.length - 1]);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Test
  void aWriteAppliedWhoseAnswerIsLostFailsAsAnUnknownOutcomeAndIsNotSentAgain(TestInfo info)
      throws Exception {
    String base = base(info);
    ZooKeeperFixture.Client client = connect(base);
    HaSession s = client.session();
    State state = s.state();
    Variable v = stored(state, Variable.absent("registry"), utf8("before"));
    String sessionId = s.sessionId();

    // The multi reaches the server and is applied; its answer never comes back, and the connection
    // is reset.
    // Sent again, it would fail its version check and report a conflict for a write that succeeded.
    byte[] value = utf8("applied, answer lost");
    client.loseAnswersAfterSending(value);
    CompletableFuture<Optional<Variable>> write;
    try {
      write = state.store(v, value);
      await()
          .atMost(20, TimeUnit.SECONDS)
          .until(() -> raw.stat(base + "/state/registry").getVersion() == 1);
    } finally {
      client.restoreConnection();
    }
    Throwable unknown = failure(write);
    assertThat(unknown)
        .isInstanceOf(OutcomeUnknownException.class)
        .hasMessageContaining("'registry'")
        .hasMessageContaining("outcome is unknown")
        .hasMessageContaining("fetch the variable");

    Variable now = get(state.fetch("registry"));
    assertThat(s.sessionId()).as("the same session came back").isEqualTo(sessionId);
    assertThat(client.timesSent()).as("writes sent with the value").isEqualTo(1);
    assertThat(now.version()).as("applied once").isEqualTo(v.version() + 1);
    assertThat(now.value()).isEqualTo(value);
    assertThat(get(state.store(v, utf8("stale"))))
        .as("the version held before is stale now")
        .isEmpty();
  }

  @Test
  void aWriteMadeWhileDisconnectedWaitsForTheConnectionAndIsSentOnce(TestInfo info)
      throws Exception {
    String base = base(info);
    ZooKeeperFixture.Client client = connect(base);
    ZooKeeperSession zk = client.zk();
    State state = client.session().state();
    Variable v = stored(state, Variable.absent("registry"), utf8("before"));

    client.resetConnection();
    CompletableFuture<Optional<Variable>> during;
    try {
      await()
          .atMost(20, TimeUnit.SECONDS)
          .until(() -> zk.sessionState() == ZooKeeperSession.SessionState.SUSPENDED);
      during = state.store(v, utf8("while disconnected"));
      assertThatThrownBy(() -> during.get(300, TimeUnit.MILLISECONDS))
          .as("waiting for the connection")
          .isInstanceOf(TimeoutException.class);
    } finally {
      client.restoreConnection();
    }
    Variable after = get(during).orElseThrow();
    assertThat(after.version()).isEqualTo(v.version() + 1);
    assertThat(get(connect(base).session().state().fetch("registry"))).isEqualTo(after);
  }

  @Test
  void concurrentCreatesOfOneNameAndOfATombstoneHaveExactlyOneWinner(TestInfo info)
      throws Exception {
    String base = base(info);
    List<State> states = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      states.add(connect(base).session().state());
    }
    for (String round : List.of("fresh", "tombstone")) {
      if (round.equals("tombstone")) {
        assertThat(get(states.get(0).expunge(get(states.get(0).fetch("leader-record"))))).isTrue();
      }
      List<CompletableFuture<Optional<Variable>>> creates = new ArrayList<>();
      for (int i = 0; i < states.size(); i++) {
        creates.add(
            states.get(i).store(Variable.absent("leader-record"), utf8(round + " by writer " + i)));
      }
      AtomicInteger winners = new AtomicInteger();
      Variable winner = null;
      for (CompletableFuture<Optional<Variable>> c : creates) {
        Optional<Variable> r = get(c);
        if (r.isPresent()) {
          winners.incrementAndGet();
          winner = r.get();
        }
      }
      assertThat(winners.get()).as("winners of the " + round + " round").isEqualTo(1);
      assertThat(get(states.get(0).fetch("leader-record"))).isEqualTo(winner);
    }
    assertThat(get(states.get(1).names())).isEqualTo(Set.of("leader-record"));
  }
}
