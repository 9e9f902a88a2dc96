package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.auth.Permission;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaException;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;
import org.masterha.proto.MasterInfo;
import org.masterha.stores.EtcdCluster;
import org.masterha.tck.TestClient;

/**
 * etcd with authentication on (a root user, and {@code masterha} with read-write access to {@code
 * /}): the right credentials work, wrong or missing ones fail at once with a message that says so,
 * as does a user who may not write where it must (the base path, the state), and no password is
 * ever printed, by us or by jetcd.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdAuthTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private final String password = "pw-" + UUID.randomUUID();
  private final String wrongPassword = "wrong-" + UUID.randomUUID();
  private final String limitedPassword = "limited-" + UUID.randomUUID();
  private final String readerPassword = "reader-" + UUID.randomUUID();
  private final String prefixOnlyPassword = "prefix-" + UUID.randomUUID();
  private final AtomicInteger paths = new AtomicInteger();
  private final HaBackends backends = HaBackends.load();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<String> messages = new ArrayList<>();
  private LogCapture logs;
  private EtcdFixture fixture;
  private String base;

  @BeforeAll
  void start() throws Exception {
    logs = new LogCapture();
    fixture = EtcdFixture.secured("auth", Optional.empty(), Optional.of(password));
    fixture.start();
  }

  @AfterAll
  void stop() {
    fixture.close();
    logs.close();
  }

  @BeforeEach
  void path(TestInfo info) {
    base = "/auth/" + info.getTestMethod().orElseThrow().getName() + "-" + paths.incrementAndGet();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  private HaSession open(HaConfig config) {
    HaSession s = backends.open(config);
    open.add(s);
    messages.add(s.toString());
    messages.add(config.toString());
    return s;
  }

  private HaConfig.Builder config() {
    return HaConfig.builder()
        .url("etcd://" + String.join(",", fixture.cluster().endpoints()) + base)
        .sessionTimeout(TIMEOUT);
  }

  private Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      for (Throwable c = t; c != null; c = c.getCause()) {
        messages.add(c.toString());
      }
      return t;
    }
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
  @Order(1)
  void theRightCredentialsElectAndDetectALeader() throws Exception {
    TestClient a = fixture.connect(base, TIMEOUT);
    open.add(a);
    Candidacy c = a.session().contender(master("a", 5050)).contend().get(30, TimeUnit.SECONDS);
    Leader leader = c.elected().get(30, TimeUnit.SECONDS);
    TestClient b = fixture.connect(base, TIMEOUT);
    open.add(b);
    assertThat(b.session().detector().detect().get(30, TimeUnit.SECONDS)).contains(leader);
    messages.add(a.session().toString());
    messages.add(a.session().config().toString());
  }

  @Test
  @Order(2)
  void aWrongPasswordFailsAtOnceSayingTheCredentialsWereRefused() throws Exception {
    HaSession s =
        open(
            config()
                .credentials(Credentials.password(EtcdFixture.USER, Secret.of(wrongPassword)))
                .build());
    Throwable t =
        failure(s.group("").join("x".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")));
    assertThat(t)
        .isInstanceOf(HaException.class)
        .hasMessageContaining("did not accept the credentials")
        .hasMessageContaining("user name and password");
  }

  @Test
  @Order(3)
  void noCredentialsFailAtOnceSayingTheyAreNeeded() throws Exception {
    HaSession s = open(config().build());
    Throwable t =
        failure(s.group("").join("x".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")));
    assertThat(t)
        .isInstanceOf(HaException.class)
        .hasMessageContaining("authentication enabled")
        .hasMessageContaining("credentials");
  }

  @Test
  @Order(4)
  void aUserWithoutAccessToTheBasePathIsToldSo() throws Exception {
    var auth = fixture.cluster().admin().getAuthClient();
    auth.roleAdd(EtcdCluster.bytes("limited")).get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(
            EtcdCluster.bytes("limited"),
            EtcdCluster.bytes("/elsewhere/"),
            EtcdCluster.bytes("/elsewhere0"),
            io.etcd.jetcd.auth.Permission.Type.READWRITE)
        .get(10, TimeUnit.SECONDS);
    auth.userAdd(EtcdCluster.bytes("limited"), EtcdCluster.bytes(limitedPassword))
        .get(10, TimeUnit.SECONDS);
    auth.userGrantRole(EtcdCluster.bytes("limited"), EtcdCluster.bytes("limited"))
        .get(10, TimeUnit.SECONDS);
    HaSession s =
        open(
            config()
                .credentials(Credentials.password("limited", Secret.of(limitedPassword)))
                .build());
    Throwable t =
        failure(s.group("").join("x".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")));
    assertThat(t).isInstanceOf(HaException.class).hasMessageContaining("denied permission");
    Throwable listing = failure(s.group("").members());
    assertThat(listing).isInstanceOf(HaException.class).hasMessageContaining("denied permission");
  }

  @Test
  @Order(5)
  void aUserWithExactlyTheDocumentedGrantElectsALeaderAndWritesTheState() throws Exception {
    // docs/backends/etcd.md: read-write on the prefix "<base>/", nothing else.
    var auth = fixture.cluster().admin().getAuthClient();
    ByteSequence role = EtcdCluster.bytes("prefix-only");
    auth.roleAdd(role).get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(
            role,
            EtcdCluster.bytes(base + "/"),
            EtcdCluster.bytes(base + "0"),
            Permission.Type.READWRITE)
        .get(10, TimeUnit.SECONDS);
    auth.userAdd(role, EtcdCluster.bytes(prefixOnlyPassword)).get(10, TimeUnit.SECONDS);
    auth.userGrantRole(role, role).get(10, TimeUnit.SECONDS);
    HaSession s =
        open(
            config()
                .credentials(Credentials.password("prefix-only", Secret.of(prefixOnlyPassword)))
                .build());
    Candidacy c = s.contender(master("prefix-only", 5050)).contend().get(30, TimeUnit.SECONDS);
    Leader leader = c.elected().get(30, TimeUnit.SECONDS);
    assertThat(s.detector().detect().get(30, TimeUnit.SECONDS)).contains(leader);
    State state = s.state(c);
    Variable v =
        state
            .store(Variable.absent("registry"), "agents".getBytes(StandardCharsets.UTF_8))
            .get(30, TimeUnit.SECONDS)
            .orElseThrow();
    assertThat(state.fetch("registry").get(30, TimeUnit.SECONDS)).isEqualTo(v);
    assertThat(state.names().get(30, TimeUnit.SECONDS)).containsExactly("registry");
  }

  @Test
  @Order(6)
  void aUserWhoMayOnlyReadTheStateIsToldSoAndNothingIsWritten() throws Exception {
    // Read-write on the base path but for its state/, which the user may only read: the state can
    // be read, not
    // written, fenced by a leader's candidacy or not.
    var auth = fixture.cluster().admin().getAuthClient();
    ByteSequence role = EtcdCluster.bytes("state-reader");
    auth.roleAdd(role).get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(
            role,
            EtcdCluster.bytes(base + "/"),
            EtcdCluster.bytes(base + "/state/"),
            Permission.Type.READWRITE)
        .get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(
            role,
            EtcdCluster.bytes(base + "/state0"),
            EtcdCluster.bytes(base + "0"),
            Permission.Type.READWRITE)
        .get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(
            role,
            EtcdCluster.bytes(base + "/state/"),
            EtcdCluster.bytes(base + "/state0"),
            Permission.Type.READ)
        .get(10, TimeUnit.SECONDS);
    auth.userAdd(role, EtcdCluster.bytes(readerPassword)).get(10, TimeUnit.SECONDS);
    auth.userGrantRole(role, role).get(10, TimeUnit.SECONDS);
    TestClient leader = fixture.connect(base, TIMEOUT);
    open.add(leader);
    Candidacy c =
        leader.session().contender(master("leader", 5050)).contend().get(30, TimeUnit.SECONDS);
    c.elected().get(30, TimeUnit.SECONDS);
    HaSession s =
        open(
            config()
                .credentials(Credentials.password("state-reader", Secret.of(readerPassword)))
                .build());
    Variable absent = s.state().fetch("registry").get(30, TimeUnit.SECONDS);
    assertThat(absent.exists()).isFalse();

    for (State state : List.of(s.state(), s.state(c))) {
      Throwable t = failure(state.store(absent, "agents".getBytes(StandardCharsets.UTF_8)));
      assertThat(t)
          .isInstanceOf(HaException.class)
          .isNotInstanceOf(LeadershipLostException.class)
          .hasMessageContaining("state variable 'registry'")
          .hasMessageContaining(base + "/state/registry")
          .hasMessageContaining("denied permission")
          .hasMessageContaining("nothing was changed");
    }
    assertThat(
            fixture
                .cluster()
                .admin()
                .getKVClient()
                .get(EtcdCluster.bytes(base + "/state/registry"))
                .get(10, TimeUnit.SECONDS)
                .getKvs())
        .isEmpty();
  }

  @Test
  @Order(7)
  void aStateWriteAfterEtcdRestartedAndForgotTheTokenIsStored() throws Exception {
    // etcd's simple tokens live in memory: after a restart the session's token is unknown and the
    // first request
    // is refused. A write refused that way was not applied, so it must be sent again, not reported
    // as unknown.
    TestClient c = fixture.connect(base, TIMEOUT);
    open.add(c);
    State state = c.session().state();
    Variable v =
        state
            .store(Variable.absent("registry"), "before".getBytes(StandardCharsets.UTF_8))
            .get(30, TimeUnit.SECONDS)
            .orElseThrow();
    fixture.restartServers();
    Variable after =
        state
            .store(v, "after".getBytes(StandardCharsets.UTF_8))
            .get(30, TimeUnit.SECONDS)
            .orElseThrow();
    assertThat(after.version()).isGreaterThan(v.version());
    assertThat(state.fetch("registry").get(30, TimeUnit.SECONDS)).isEqualTo(after);
  }

  @Test
  @Order(8)
  void aDetectorThatMayOnlyReadFollowsTheLeaderAndGrantsNoLease() throws Exception {
    // A role with read-only permission on the base path's prefix "<base>/", nothing else.
    var auth = fixture.cluster().admin().getAuthClient();
    ByteSequence role = EtcdCluster.bytes("detector");
    ByteSequence prefix = EtcdCluster.bytes(base + "/");
    auth.roleAdd(role).get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(
            role,
            prefix,
            io.etcd.jetcd.options.OptionsUtil.prefixEndOf(prefix),
            Permission.Type.READ)
        .get(10, TimeUnit.SECONDS);
    auth.userAdd(role, EtcdCluster.bytes(prefixOnlyPassword)).get(10, TimeUnit.SECONDS);
    auth.userGrantRole(role, role).get(10, TimeUnit.SECONDS);
    long grantedBefore = leasesGranted();

    TestClient first = fixture.connect(base, TIMEOUT);
    open.add(first);
    TestClient second = fixture.connect(base, TIMEOUT);
    open.add(second);
    HaSession detecting =
        open(
            config()
                .credentials(Credentials.password("detector", Secret.of(prefixOnlyPassword)))
                .build());
    try (var d = detecting.detector()) {
      Candidacy c1 =
          first.session().contender(master("first", 5050)).contend().get(30, TimeUnit.SECONDS);
      Leader leader = c1.elected().get(30, TimeUnit.SECONDS);
      assertThat(d.detect().get(30, TimeUnit.SECONDS)).contains(leader);
      Candidacy c2 =
          second.session().contender(master("second", 5051)).contend().get(30, TimeUnit.SECONDS);
      first.session().close();
      assertThat(d.detect(Optional.of(leader)).get(30, TimeUnit.SECONDS))
          .map(Leader::membership)
          .contains(c2.membership());

      // etcd granted two leases meanwhile, one per master: the detector asked for none (etcd lets
      // any user grant leases, so this is not its missing permission speaking).
      assertThat(detecting.sessionId()).isEmpty();
      assertThat(leasesGranted() - grantedBefore).isEqualTo(2);
    }
  }

  /** The server's count of leases granted since it started, from its /metrics. */
  private long leasesGranted() throws Exception {
    String metric = "etcd_debugging_lease_granted_total";
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            fixture.cluster().members().get(0).clientUrl() + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.body()
        .lines()
        .filter(l -> l.startsWith(metric + " "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(metric.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("etcd's /metrics has no " + metric));
  }

  @Test
  @Order(100)
  void noPasswordWasPrintedInLogsExceptionsOrToString() {
    List<String> printed = new ArrayList<>(logs.lines());
    printed.addAll(messages);
    assertThat(printed).as("what was logged, thrown and printed").isNotEmpty();
    for (String secret :
        List.of(
            password,
            wrongPassword,
            limitedPassword,
            readerPassword,
            prefixOnlyPassword,
            "root-" + password)) {
      assertThat(printed).noneMatch(line -> line != null && line.contains(secret));
    }
  }
}
