package org.masterha.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
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
import org.junit.jupiter.api.TestInstance;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.model.kv.Value;
import org.masterha.consul.ConsulTxn.Op;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaException;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;
import org.masterha.proto.MasterInfo;
import org.masterha.tck.ProxiedClient;
import org.masterha.tck.TestClient;
import org.masterha.tck.net.TcpProxy;
import org.slf4j.LoggerFactory;

/**
 * The Consul mapping of the state API, against the fake (which holds to Consul's size limits): the
 * key layout, versions as ModifyIndexes, the size limit at its boundary, the fence checked by
 * Consul, and what happens when a write's answer is lost or the agent can't be reached.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsulStateTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(4);
  private static final String TOKEN = "5d41402a-bc4b-2a76-b971-9d911017c592";
  private final AtomicInteger paths = new AtomicInteger();
  private final HaBackends backends = HaBackends.load();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private FakeConsulFixture fixture;
  private Consul raw;
  private KeyValueClient kv;

  @BeforeAll
  void start() {
    fixture = new FakeConsulFixture();
    fixture.start();
    raw = Consul.builder().withUrl(fixture.consul().httpUrl()).build();
    kv = raw.keyValueClient();
  }

  @AfterAll
  void stop() {
    if (raw != null) {
      raw.destroy();
    }
    fixture.close();
  }

  @BeforeEach
  void captureLogs() {
    logs.list.clear();
    logs.start();
    root().addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    root().detachAppender(logs);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private String newPath() {
    return "/consul-state-test-" + paths.incrementAndGet();
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      Object value = f.get(20, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return org.masterha.ha.spi.ErrorClassifier.unwrap(e);
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("expected a failure, got " + e, e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static String text(Variable v) {
    return new String(v.value(), UTF_8);
  }

  private static Variable store(State state, Variable current, String value) throws Exception {
    return get(state.store(current, bytes(value)))
        .orElseThrow(() -> new AssertionError("conflict storing " + current));
  }

  private static MasterInfo master(int port) {
    return MasterInfo.newBuilder()
        .setId("state-test-" + port)
        .setIp(16777343)
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .setHostname("localhost")
        .build();
  }

  private static Candidacy lead(HaSession session, int port) throws Exception {
    Candidacy c = get(session.contender(master(port)).contend());
    get(c.elected());
    return c;
  }

  private void assertNoLogShows(String secret) {
    assertThat(logs.list)
        .allSatisfy(
            e -> {
              assertThat(e.getFormattedMessage()).doesNotContain(secret);
              if (e.getThrowableProxy() != null) {
                assertThat(e.getThrowableProxy().getMessage()).doesNotContain(secret);
              }
            });
  }

  @Test
  void variablesAreKeysUnderBaseStateWithTheirModifyIndexAsVersionAndAreNeverMembers()
      throws Exception {
    String path = newPath();
    String prefix = path.substring(1);
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      Candidacy leader = lead(a.session(), 5050);
      State state = a.session().state(leader);
      Variable v = store(state, Variable.absent("registry"), "agents: 1");

      Value key = kv.getValue(prefix + "/state/registry").orElseThrow();
      assertThat(key.getModifyIndex()).isEqualTo(v.version());
      assertThat(key.getValueAsBytes().orElseThrow()).isEqualTo(bytes("agents: 1"));
      assertThat(key.getSession()).as("no session holds a variable").isEmpty();

      // Written by someone else: read at its ModifyIndex.
      kv.putValue(prefix + "/state/registry", "by a tool");
      Variable fetched = get(state.fetch("registry"));
      assertThat(fetched.version())
          .isEqualTo(kv.getValue(prefix + "/state/registry").orElseThrow().getModifyIndex())
          .isGreaterThan(v.version());
      assertThat(text(fetched)).isEqualTo("by a tool");

      // Only direct children with a variable's name are variables; none of them is a member of the
      // base group.
      kv.putValue(prefix + "/state/nested/deeper", "x");
      kv.putValue(prefix + "/state/not a name", "x");
      assertThat(get(state.names())).containsExactly("registry");
      assertThat(get(a.session().group("").members())).containsExactly(leader.membership());
      assertThat(get(a.session().detector().detect()).orElseThrow().epoch())
          .isEqualTo(leader.epoch());
      assertThat(leader.lost()).isNotDone();
    }
  }

  /**
   * Consul keeps a key's ModifyIndex when a write changes nothing (the fake does too); a store
   * still moves it.
   */
  @Test
  void storingTheSameBytesAgainGivesAHigherVersion() throws Exception {
    try (TestClient a = fixture.connect(newPath(), TIMEOUT)) {
      State state = a.session().state();
      Variable v1 = store(state, Variable.absent("same"), "unchanged");
      Variable v2 = store(state, v1, "unchanged");
      assertThat(v2.version()).isGreaterThan(v1.version());
      assertThat(get(state.fetch("same"))).isEqualTo(v2);
      assertThat(get(state.store(v1, bytes("unchanged"))))
          .as("the replaced version is stale")
          .isEmpty();
    }
  }

  /**
   * maxValueBytes() is the largest value whose fenced write, with the longest name and a member
   * name of the reserved length, fits Consul's default 512 KiB transaction (the fake enforces it as
   * Consul does): at that size the agent accepts the request (and here refuses only its fence), one
   * byte more is 413.
   */
  @Test
  void theLargestValueFitsADefaultConsulTransactionAndOneByteMoreDoesNot() throws Exception {
    assertThat(ConsulState.maxValueBytes("mesos", ConsulState.RESERVED_MEMBER_NAME_CHARS))
        .as("the figure docs/state.md gives")
        .isEqualTo(392_868);

    String path = newPath();
    String prefix = path.substring(1);
    try (TestClient a = fixture.connect(path, TIMEOUT)) {
      Candidacy leader = lead(a.session(), 5050);
      State state = a.session().state(leader);
      int max = state.maxValueBytes();
      assertThat(max)
          .isEqualTo(ConsulState.maxValueBytes(prefix, ConsulState.RESERVED_MEMBER_NAME_CHARS));
      String longest = "n".repeat(ConsulState.MAX_NAME_CHARS);
      byte[] largest = new byte[max];
      new Random(7).nextBytes(largest);
      Variable stored = get(state.store(Variable.absent(longest), largest)).orElseThrow();
      assertThat(get(state.fetch(longest)).value()).isEqualTo(largest);

      ConsulSession session = a.session().unwrap(ConsulSession.class);
      String widestMember = prefix + "/" + "m".repeat(ConsulState.RESERVED_MEMBER_NAME_CHARS);
      List<Op> atLimit =
          List.of(
              Op.checkSession(widestMember, session.sessionId()),
              Op.cas(prefix + "/state/" + longest, largest, Long.MAX_VALUE, Long.MAX_VALUE));
      List<Op> overLimit =
          List.of(
              atLimit.get(0),
              Op.cas(
                  prefix + "/state/" + longest,
                  Arrays.copyOf(largest, max + 1),
                  Long.MAX_VALUE,
                  Long.MAX_VALUE));
      assertThat(ConsulTxn.body(atLimit).length).isLessThanOrEqualTo(ConsulTxn.MAX_REQUEST_BYTES);
      assertThat(ConsulTxn.body(overLimit).length).isGreaterThan(ConsulTxn.MAX_REQUEST_BYTES);

      ConsulTxn.Answer answer = session.txn().send(atLimit, TIMEOUT);
      assertThat(answer.committed()).isFalse();
      assertThat(answer.errors()).extracting(ConsulTxn.Failure::opIndex).containsExactly(0, 1);
      assertThatThrownBy(() -> session.txn().send(overLimit, TIMEOUT))
          .isInstanceOfSatisfying(
              ConsulTxn.RefusedException.class, e -> assertThat(e.status).isEqualTo(413));
      assertThat(get(state.fetch(longest))).isEqualTo(stored);
    }
  }

  /**
   * The fence is Consul's: another client presenting the leader's candidacy passes every local
   * check, and its transaction carries its own Consul session, which does not hold the leader's
   * key. Refused as leadership lost, at the current version and at a stale one alike, and nothing
   * changes.
   */
  @Test
  void aTransactionCheckingTheLeadersKeyWithAnotherSessionIsRefusedAsLeadershipLost()
      throws Exception {
    String path = newPath();
    String prefix = path.substring(1);
    try (TestClient a = fixture.connect(path, TIMEOUT);
        TestClient b = fixture.connect(path, TIMEOUT)) {
      Candidacy leader = lead(a.session(), 5050);
      State leaderState = a.session().state(leader);
      Variable v = store(leaderState, Variable.absent("registry"), "by the leader");

      String otherSession = ConsulTestSupport.liveSessionId(b.session());
      State impostor = b.session().state(leader);
      Throwable atCurrent = failure(impostor.store(v, bytes("by an impostor")));
      assertThat(atCurrent)
          .isInstanceOf(LeadershipLostException.class)
          .hasMessageContaining("'registry'")
          .hasMessageContaining(prefix + "/" + leader.membership().id())
          .hasMessageContaining(otherSession)
          .hasMessageContaining("nothing was changed");
      assertThat(failure(impostor.store(Variable.absent("registry"), bytes("stale"))))
          .as("fence before version")
          .isInstanceOf(LeadershipLostException.class);
      assertThat(failure(impostor.expunge(v))).isInstanceOf(LeadershipLostException.class);

      assertThat(kv.getValue(prefix + "/state/registry").orElseThrow().getModifyIndex())
          .isEqualTo(v.version());
      assertThat(get(leaderState.fetch("registry"))).isEqualTo(v);
      assertThat(text(store(leaderState, v, "the leader writes on")))
          .isEqualTo("the leader writes on");
    }
  }

  /**
   * A write applied by Consul whose answer never arrives fails as "outcome unknown" and is not sent
   * again: sent again, the same compare-and-swap would report a conflict with its own first copy.
   * The kit's proxy loses every answer on the connection from the transaction that carries the
   * value (base64 in Consul's JSON) on, and resets it when restored.
   */
  @Test
  void aWriteWhoseAnswerIsLostFailsAsUnknownWithoutBeingRetriedOrShowingTheToken()
      throws Exception {
    FakeConsul consul =
        FakeConsul.builder().aclToken(TOKEN).sessionTtlMin(Duration.ofSeconds(1)).build().start();
    TcpProxy proxy = TcpProxy.start(consul.address());
    try (consul;
        ProxiedClient client =
            new ProxiedClient(
                backends.open(config("127.0.0.1:" + proxy.port(), TIMEOUT, true)), List.of(proxy));
        HaSession observer = backends.open(config(consul.hostAndPort(), TIMEOUT, true))) {
      State state = client.session().state();
      Variable v1 = store(state, Variable.absent("registry"), "v1");

      String v2 =
          "applied; answer lost!"; // 21 bytes: base64 without padding, so the marker is exactly as
      // sent
      client.loseAnswersAfterSending(Base64.getEncoder().encode(bytes(v2)));
      CompletableFuture<Optional<Variable>> write;
      try {
        write = state.store(v1, bytes(v2));
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> get(observer.state().fetch("registry")).version() > v1.version());
      } finally {
        client.restoreConnection();
      }
      Throwable unknown = failure(write);
      assertThat(unknown)
          .isInstanceOf(OutcomeUnknownException.class)
          .isNotInstanceOf(LeadershipLostException.class)
          .hasMessageContaining("store state variable mesos/state/registry")
          .hasMessageContaining("the outcome is unknown")
          .hasMessageNotContaining(TOKEN);
      assertThat(client.timesSent()).as("the store sent once").isEqualTo(1);

      Variable now = get(state.fetch("registry"));
      assertThat(text(now)).as("Consul applied it").isEqualTo(v2);
      assertThat(now.version()).isGreaterThan(v1.version());
      assertThat(get(state.store(v1, bytes(v2)))).as("the same store again").isEmpty();
    }
    assertNoLogShows(TOKEN);
  }

  /**
   * A write that could not even connect was certainly not applied: it is retried until the agent is
   * back, for up to one session timeout, and then fails saying nothing was written.
   */
  @Test
  void aWriteThatCannotConnectIsRetriedForOneSessionTimeoutThenFailsWithoutShowingTheToken()
      throws Exception {
    FakeConsul consul =
        FakeConsul.builder().aclToken(TOKEN).sessionTtlMin(Duration.ofSeconds(1)).build().start();
    // Opened while the agent is up: open() asks it for session_ttl_min.
    try (consul;
        HaSession first = backends.open(config(consul.hostAndPort(), TIMEOUT, true));
        HaSession second = backends.open(config(consul.hostAndPort(), TIMEOUT, true))) {
      consul.stop();
      CompletableFuture<Optional<Variable>> pending =
          first.state().store(Variable.absent("registry"), bytes("once back"));
      CompletableFuture<Optional<Variable>> window = pending.copy();
      assertThatThrownBy(() -> window.get(300, TimeUnit.MILLISECONDS))
          .as("still retrying")
          .isInstanceOf(TimeoutException.class);
      consul.start();
      Variable stored = get(pending).orElseThrow();
      assertThat(get(first.state().fetch("registry"))).isEqualTo(stored);

      consul.stop();
      long started = System.nanoTime();
      Throwable gaveUp = failure(second.state().store(stored, bytes("never")));
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(TIMEOUT.minusMillis(1000));
      assertThat(gaveUp)
          .isInstanceOf(HaException.class)
          .hasMessageContaining("could not be reached to store state variable")
          .hasMessageContaining("nothing was written")
          .hasMessageNotContaining(TOKEN);
      consul.start();
      assertThat(get(first.state().fetch("registry"))).isEqualTo(stored);
    }
    assertNoLogShows(TOKEN);
  }

  @Test
  void aTokenWithoutPermissionFailsTheWriteWithConsulsReason() throws Exception {
    FakeConsul consul =
        FakeConsul.builder().aclToken(TOKEN).sessionTtlMin(Duration.ofSeconds(1)).build().start();
    // Anonymous may not read agent/self, so Consul's default minimum is assumed: 20s.
    try (consul;
        HaSession anonymous =
            backends.open(config(consul.hostAndPort(), Duration.ofSeconds(20), false))) {
      Throwable refused = failure(anonymous.state().store(Variable.absent("registry"), bytes("x")));
      assertThat(refused)
          .isInstanceOf(HaException.class)
          .isNotInstanceOf(LeadershipLostException.class)
          .hasMessageContaining("refused to store state variable")
          .hasMessageContaining("no ACL token (anonymous)")
          .hasMessageContaining("Permission denied");
    }
  }

  private static HaConfig config(String hostAndPort, Duration timeout, boolean withToken) {
    HaConfig.Builder b =
        HaConfig.builder().url("consul://" + hostAndPort + "/mesos").sessionTimeout(timeout);
    if (withToken) {
      b.credentials(Credentials.token(Secret.of(TOKEN)));
    }
    return b.build();
  }
}
