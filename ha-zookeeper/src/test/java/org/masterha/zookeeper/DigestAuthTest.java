package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.AuthenticationHelper;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfos;
import org.slf4j.LoggerFactory;

/**
 * {@code zk://user:password@...} against a ZooKeeper server that refuses unauthenticated sessions
 * ({@code zookeeper.enforce.auth.enabled} with the digest scheme), with every log line of the test
 * JVM captured at DEBUG, the server's and Curator's included, to prove the password is never
 * written anywhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DigestAuthTest {
  private static final String USER = "mesos";
  private static final String PASSWORD = "Zk-Pa55w0rd-93417";
  private static final String[] CAPTURED_LOGGERS = {
    "org.apache.zookeeper", "org.apache.curator", "org.masterha"
  };

  private ZooKeeperServers server;
  private final Capture capture = new Capture();
  private final List<Runnable> restoreLogging = new ArrayList<>();

  /** Keeps every event, formatted with its stack trace, as an appender writing a log file would. */
  private static final class Capture extends AppenderBase<ILoggingEvent> {
    private final List<String> lines = new ArrayList<>();
    private PatternLayout layout;

    @Override
    public void start() {
      layout = new PatternLayout();
      layout.setContext(getContext());
      layout.setPattern("%level %logger %thread %msg %mdc %ex%n");
      layout.start();
      super.start();
    }

    @Override
    protected synchronized void append(ILoggingEvent event) {
      lines.add(layout.doLayout(event));
    }

    synchronized String all() {
      return String.join("", lines);
    }

    synchronized int size() {
      return lines.size();
    }
  }

  @BeforeAll
  void start() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture.setContext(context);
    capture.start();
    for (String name : CAPTURED_LOGGERS) {
      Logger logger = context.getLogger(name);
      Level level = logger.getLevel();
      boolean additive = logger.isAdditive();
      logger.setLevel(Level.DEBUG);
      logger.setAdditive(false); // to the capture only: DEBUG would flood the test's output file
      logger.addAppender(capture);
      restoreLogging.add(
          () -> {
            logger.detachAppender(capture);
            logger.setLevel(level);
            logger.setAdditive(additive);
          });
    }
    // The server reads these when it starts; they are cleared at once so no other server in this
    // JVM sees them.
    System.setProperty(AuthenticationHelper.ENFORCE_AUTH_ENABLED, "true");
    System.setProperty(AuthenticationHelper.ENFORCE_AUTH_SCHEMES, "digest");
    try {
      server = new ZooKeeperServers(1, Map.of());
      server.start();
    } finally {
      System.clearProperty(AuthenticationHelper.ENFORCE_AUTH_ENABLED);
      System.clearProperty(AuthenticationHelper.ENFORCE_AUTH_SCHEMES);
    }
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    restoreLogging.forEach(Runnable::run);
    capture.stop();
  }

  private HaSession open(String userInfo, String path) {
    return new ZooKeeperBackend()
        .open(
            HaConfig.builder()
                .url("zk://" + userInfo + server.connectString() + path)
                .sessionTimeout(Duration.ofSeconds(4))
                .build());
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void userAndPasswordWorkAndMembersAreCreatorOnlyButWorldReadable() throws Exception {
    try (HaSession s = open(USER + ":" + PASSWORD + "@", "/secure/mesos");
        RawClient admin =
            new RawClient(
                CuratorFrameworkFactory.builder()
                    .connectString(server.connectString())
                    .sessionTimeoutMs(10_000)
                    .retryPolicy(new RetryNTimes(20, 100))
                    .ensembleTracker(false)
                    .authorization(
                        "digest", (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))) {
      Candidacy c =
          get(
              s.contender(MasterInfos.of("secure", "127.0.0.1", 5050, "localhost", "1.4.0"))
                  .contend());
      get(c.elected());
      Membership replica = get(s.pidGroup().join("log-replica(1)@127.0.0.1:5050"));

      Id creator =
          new Id("digest", DigestAuthenticationProvider.generateDigest(USER + ":" + PASSWORD));
      List<ACL> expected =
          List.of(
              new ACL(ZooDefs.Perms.ALL, creator),
              new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
      assertThat(admin.curator().getACL().forPath("/secure/mesos/" + c.membership().id()))
          .isEqualTo(expected);
      assertThat(admin.curator().getACL().forPath("/secure/mesos/log_replicas/" + replica.id()))
          .isEqualTo(expected);
      // The parents we created carry the same ACL, as Mesos' do.
      assertThat(admin.curator().getACL().forPath("/secure/mesos")).isEqualTo(expected);
      assertThat(admin.curator().getACL().forPath("/secure")).isEqualTo(expected);
      assertThat(s.toString()).doesNotContain(PASSWORD);
      assertThat(s.config().toString()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void aSessionWithoutCredentialsIsRefusedWithAClearErrorNotAHang() throws Exception {
    try (HaSession s = open("", "/secure/anonymous")) {
      assertThatThrownBy(() -> get(s.group("").members()))
          .hasCauseInstanceOf(HaException.class)
          .hasMessageContaining("require an authenticated session");
      assertThatThrownBy(() -> get(s.group("").join(new byte[0], Optional.of("json.info"))))
          .hasCauseInstanceOf(HaException.class);
    }
  }

  @Test
  void aWrongPasswordCanReadButCannotJoinAndIsNotPrinted() throws Exception {
    String wrong = "Wr0ng-" + PASSWORD;
    try (HaSession owner = open(USER + ":" + PASSWORD + "@", "/secure/owned");
        HaSession intruder = open(USER + ":" + wrong + "@", "/secure/owned");
        Detector d = intruder.detector()) {
      Candidacy c =
          get(
              owner
                  .contender(MasterInfos.of("owner", "127.0.0.1", 5050, "localhost", "1.4.0"))
                  .contend());
      // World-readable: a detector with other credentials still finds the leader.
      assertThat(get(d.detect())).map(l -> l.membership()).contains(c.membership());
      // Only the creator may add members under the path it created.
      Throwable refused =
          org.assertj.core.api.Assertions.catchThrowable(
              () -> get(intruder.group("").join(new byte[0], Optional.of("json.info"))));
      assertThat(refused).hasCauseInstanceOf(HaException.class);
      assertThat(refused.getCause().getMessage())
          .contains("NOAUTH")
          .contains("'" + USER + "'")
          .doesNotContain(wrong)
          .doesNotContain(PASSWORD);
    }
  }

  @Test
  void thePasswordAppearsInNoLogLineInAnyForm() throws Exception {
    // A whole session of its own, so the check does not depend on which tests ran before it.
    try (HaSession s = open(USER + ":" + PASSWORD + "@", "/secure/logged")) {
      Candidacy c =
          get(
              s.contender(MasterInfos.of("logged", "127.0.0.1", 5050, "localhost", "1.4.0"))
                  .contend());
      get(c.elected());
      assertThat(
              get(
                  s.contender(MasterInfos.of("second", "127.0.0.1", 5051, "localhost", "1.4.0"))
                      .withdraw()))
          .isFalse();
    }
    String logs = capture.all();
    assertThat(capture.size())
        .as("captured DEBUG log lines of ZooKeeper, Curator and masterha")
        .isGreaterThan(100);
    assertThat(logs).as("the captured log has the session at work").contains("/secure/logged");
    byte[] secret = PASSWORD.getBytes(StandardCharsets.UTF_8);
    byte[] authData = (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8);
    for (String form :
        List.of(
            PASSWORD,
            HexFormat.of().formatHex(secret),
            HexFormat.of().withUpperCase().formatHex(secret),
            Base64.getEncoder().encodeToString(secret),
            Base64.getEncoder().encodeToString(authData),
            HexFormat.of().formatHex(authData),
            HexFormat.of().withUpperCase().formatHex(authData),
            java.util.Arrays.toString(secret).replace("[", "").replace("]", ""))) {
      assertThat(logs)
          .as("the log in the form " + form.substring(0, 4) + "...")
          .doesNotContain(form);
    }
  }

  @Test
  void aDetectorThatMayOnlyReadFollowsTheLeaderAndWritesNothing() throws Exception {
    // The base path made by an admin: all for the masters' identity, read for the detector's.
    String base = "/readonly/mesos";
    String reader = "detector:Det3ctor-Pa55-5521";
    try (RawClient admin =
        new RawClient(
            CuratorFrameworkFactory.builder()
                .connectString(server.connectString())
                .sessionTimeoutMs(10_000)
                .retryPolicy(new RetryNTimes(20, 100))
                .ensembleTracker(false)
                .authorization(
                    "digest", (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))) {
      admin
          .curator()
          .create()
          .creatingParentsIfNeeded()
          .withACL(
              List.of(
                  new ACL(
                      ZooDefs.Perms.ALL,
                      new Id(
                          "digest",
                          DigestAuthenticationProvider.generateDigest(USER + ":" + PASSWORD))),
                  new ACL(
                      ZooDefs.Perms.READ,
                      new Id("digest", DigestAuthenticationProvider.generateDigest(reader)))))
          .forPath(base, new byte[0]);
      try (HaSession first = open(USER + ":" + PASSWORD + "@", base);
          HaSession second = open(USER + ":" + PASSWORD + "@", base);
          HaSession detecting = open(reader + "@", base);
          Detector d = detecting.detector()) {
        Candidacy c1 =
            get(
                first
                    .contender(MasterInfos.of("first", "127.0.0.1", 5050, "localhost", "1.4.0"))
                    .contend());
        get(c1.elected());
        Optional<Leader> leader = get(d.detect());
        assertThat(leader).map(Leader::membership).contains(c1.membership());
        Candidacy c2 =
            get(
                second
                    .contender(MasterInfos.of("second", "127.0.0.1", 5051, "localhost", "1.4.0"))
                    .contend());
        first.close();
        assertThat(get(d.detect(leader))).map(Leader::membership).contains(c2.membership());

        // The base path's children changed three times (two members made, one gone): the
        // detector made and removed nothing, and only the second master's member is left.
        org.apache.zookeeper.data.Stat stat = admin.curator().checkExists().forPath(base);
        assertThat(stat.getCversion()).isEqualTo(3);
        assertThat(admin.curator().getChildren().forPath(base))
            .containsExactly(c2.membership().id());
        assertThat(((ZooKeeperSession) detecting).sessionState())
            .isEqualTo(ZooKeeperSession.SessionState.CONNECTED);
      }
    }
  }
}
