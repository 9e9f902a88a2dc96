package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.proto.MasterInfo;

/**
 * ZooKeeper's session semantics, beyond what the conformance suite asks of every backend: when the
 * local deadline fires relative to the servers' expiry, what happens to members declared lost whose
 * session lives on, a create whose reply was lost, and session timeouts the servers do not grant as
 * asked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperSessionTest {
  private final ZooKeeperFixture fixture = ZooKeeperFixture.singleServer();
  private RawClient raw;

  @BeforeAll
  void start() throws Exception {
    fixture.start();
    raw = new RawClient(fixture.connectString());
  }

  @AfterAll
  void stop() {
    if (raw != null) {
      raw.close();
    }
    fixture.close();
  }

  private static String base(TestInfo info) {
    return "/session/" + info.getTestMethod().orElseThrow().getName();
  }

  private ZooKeeperFixture.Client connect(TestInfo info, Duration timeout) {
    return (ZooKeeperFixture.Client) fixture.connect(base(info), timeout);
  }

  private static MasterInfo master(int port) {
    return MasterInfos.of("master-" + port, "127.0.0.1", port, "localhost", "1.4.0");
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private Candidacy elect(HaSession s, int port) throws Exception {
    Candidacy c = get(s.contender(master(port)).contend());
    get(c.elected());
    return c;
  }

  private void restartServerAndRestore(ZooKeeperFixture.Client client) throws Exception {
    fixture.servers().startServer(0);
    fixture.servers().awaitServing();
    client.restoreConnection();
  }

  /**
   * The safety net of issue 10: a member znode owned by the session itself that no membership of
   * this client stands on is deleted by the next check (after each connection, and when the joins
   * under way end).
   */
  @Test
  void aMemberOwnedByOurSessionWithoutAMembershipIsDeleted(TestInfo info) throws Exception {
    ZooKeeperFixture.Client a = connect(info, Duration.ofSeconds(4));
    try {
      ZooKeeperSession s = a.session().unwrap(ZooKeeperSession.class);
      org.masterha.ha.group.Group group = s.group("");
      Membership first =
          get(group.join("first".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")));
      // Made through the session's own handle, behind the group's back: owned by the session, known
      // to nobody.
      String ghost =
          s.client()
              .create()
              .withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL)
              .forPath(base(info) + "/json.info_", "ghost".getBytes(StandardCharsets.UTF_8));
      Membership second =
          get(group.join("second".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")));
      await().atMost(Duration.ofSeconds(30)).until(() -> raw.stat(ghost) == null);
      assertThat(raw.children(base(info)))
          .as("members after the sweep")
          .containsExactlyInAnyOrder(first.id(), second.id());
      assertThat(first.cancelled()).isNotDone();
      assertThat(second.cancelled()).isNotDone();
    } finally {
      a.close();
    }
  }

  /**
   * The ghost of issue 10: a join handed to Curator while this client still believed its session
   * connected (its event thread stood still, as in a paused process), whose create Curator then ran
   * on the <em>next</em> session after the old one expired. The member must be tracked under the
   * session that really made it, or deleted; never left behind, owned by a live session that no
   * membership of this client stands on.
   */
  @Test
  void aCreateThatRunsOnTheNextSessionIsTrackedNeverLeftBehindAsAGhost(TestInfo info)
      throws Exception {
    Duration timeout = Duration.ofSeconds(4);
    ZooKeeperFixture.Client a = connect(info, timeout);
    try {
      ZooKeeperSession s = a.session().unwrap(ZooKeeperSession.class);
      org.masterha.ha.group.Group group = s.group("");
      get(group.members());
      long before = s.handleForFaultInjection().id();
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      s.events()
          .execute(
              () -> {
                try {
                  release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      // Queued behind the stalled event thread, ahead of every connection event that follows.
      CompletableFuture<Membership> join =
          group.join("ghost?".getBytes(StandardCharsets.UTF_8), Optional.of("json.info"));
      a.cutConnection();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !s.client().getZookeeperClient().isConnected());
      ZooKeeperFixture.expire(s, fixture.connectString());
      release.countDown();
      a.restoreConnection();

      Membership m = get(join);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> s.handleForFaultInjection().id() != before);
      long after = s.handleForFaultInjection().id();
      String path = base(info);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                List<String> children = raw.children(path);
                assertThat(children)
                    .as(
                        "members under %s: exactly the one the join returned, owned by the new session",
                        path)
                    .containsExactly(m.id());
                assertThat(raw.stat(path + "/" + m.id()).getEphemeralOwner())
                    .as("owner of %s", m.id())
                    .isEqualTo(after);
              });
      assertThat(m.cancelled()).as("the membership the join returned stays live").isNotDone();
      assertThat(m.isHeld()).as("the membership is held").isTrue();
    } finally {
      a.close();
    }
  }

  /**
   * Rule 2 from ZooKeeper's side: the leader that is cut off learns it lost within one session
   * timeout of the cut, while its member still exists on the server, i.e. before the server could
   * have let anyone else lead.
   */
  @Test
  void aCutLeaderLosesItsCandidacyWhileTheServerStillHoldsItsMember(TestInfo info)
      throws Exception {
    Duration timeout = Duration.ofSeconds(5);
    ZooKeeperFixture.Client a = connect(info, timeout);
    try {
      Candidacy c = elect(a.session(), 5050);
      String node = base(info) + "/" + c.membership().id();
      AtomicLong lostAt = new AtomicLong();
      CompletableFuture<Stat> statAfterLost =
          c.lost()
              .thenApplyAsync(
                  v -> {
                    lostAt.set(System.nanoTime());
                    try {
                      return raw.stat(node);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
      long cutAt = System.nanoTime();
      a.cutConnection();

      Stat stat = get(statAfterLost);
      assertThat(Duration.ofNanos(lostAt.get() - cutAt))
          .as("cut to lost()")
          .isLessThanOrEqualTo(timeout);
      assertThat(stat).as("the member on the server when lost() completed").isNotNull();
      assertThat(c.membership().cancelled().getNow(null)).isFalse();
      // The server expires the session in its own time and then the member goes.
      await().atMost(30, TimeUnit.SECONDS).until(() -> raw.stat(node) == null);
    } finally {
      a.close();
    }
  }

  /**
   * A member we declared lost must not go on leading if its session turns out to have survived (the
   * servers renew every session when they start again): it is deleted as soon as the same session
   * reconnects.
   */
  @Test
  void aMemberDeclaredLostIsDeletedWhenItsSessionReconnects(TestInfo info) throws Exception {
    Duration timeout = Duration.ofSeconds(5);
    ZooKeeperFixture.Client a = connect(info, timeout);
    try {
      Candidacy c = elect(a.session(), 5050);
      String node = base(info) + "/" + c.membership().id();
      String sessionId = a.session().sessionId();
      // A partition that the servers do not see as one: they stop, so nothing expires while we are
      // away.
      a.cutConnection();
      fixture.servers().stopServer(0);
      assertThat(get(c.membership().cancelled()))
          .as("cancelled() when the deadline passed")
          .isFalse();
      restartServerAndRestore(a);

      await()
          .atMost(30, TimeUnit.SECONDS)
          .until(() -> a.zk().sessionState() == ZooKeeperSession.SessionState.CONNECTED);
      assertThat(a.session().sessionId()).as("the same session reconnected").isEqualTo(sessionId);
      await().atMost(10, TimeUnit.SECONDS).until(() -> raw.stat(node) == null);
      assertThat(a.session().sessionId()).isEqualTo(sessionId);
      // The session is alive and usable; the lost member is not listed meanwhile or after.
      Membership again = get(a.session().group("").join(new byte[0], Optional.of("json.info")));
      assertThat(raw.stat(base(info) + "/" + again.id()).getEphemeralOwner())
          .isEqualTo(Long.decode(sessionId));
      assertThat(get(a.session().group("").members())).containsExactly(again);
    } finally {
      a.close();
    }
  }

  /**
   * Curator gives a session up after a whole timeout without a connection and opens a new one, even
   * when the servers kept the old one: what the old session held is deleted once the new one is
   * connected, instead of leading until the servers expire the old session.
   */
  @Test
  void membersOfASessionCuratorGaveUpAreDeletedByItsSuccessor(TestInfo info) throws Exception {
    Duration timeout = Duration.ofSeconds(4);
    ZooKeeperFixture.Client a = connect(info, timeout);
    try {
      Candidacy c = elect(a.session(), 5050);
      String node = base(info) + "/" + c.membership().id();
      String oldSession = a.session().sessionId();
      a.cutConnection();
      fixture.servers().stopServer(0);
      await()
          .atMost(30, TimeUnit.SECONDS)
          .until(() -> a.zk().sessionState() == ZooKeeperSession.SessionState.EXPIRED);
      assertThat(c.lost()).isDone();

      long startedAt = System.nanoTime();
      restartServerAndRestore(a);
      // The servers renewed the old session when they started: left alone, its member would stay
      // for a timeout.
      await().atMost(30, TimeUnit.SECONDS).until(() -> raw.stat(node) == null);
      assertThat(Duration.ofNanos(System.nanoTime() - startedAt))
          .as("restart to deletion of the old session's member")
          .isLessThan(timeout);
      assertThat(a.session().sessionId()).isNotEqualTo(oldSession);
    } finally {
      a.close();
    }
  }

  /**
   * ZooKeeper's client declares a reset connection lost at once; what counts is when the server
   * last heard from us. A reset shorter than the session timeout, here longer than a third of it,
   * keeps the candidacy.
   */
  @Test
  void aConnectionResetShorterThanTheTimeoutKeepsTheCandidacy(TestInfo info) throws Exception {
    Duration timeout = Duration.ofSeconds(8);
    ZooKeeperFixture.Client a = connect(info, timeout);
    try {
      Candidacy c = elect(a.session(), 5050);
      String sessionId = a.session().sessionId();
      a.resetConnection();
      await()
          .atMost(10, TimeUnit.SECONDS)
          .until(() -> a.zk().sessionState() == ZooKeeperSession.SessionState.SUSPENDED);
      // Refused for longer than a "SUSPENDED minus two thirds of the timeout" estimate of the last
      // contact would
      // allow (it would give up 2.2 s after the reset): watched for that window, ended early by a
      // loss.
      assertThatThrownBy(() -> c.lost().get(2500, TimeUnit.MILLISECONDS))
          .as("lost() within 2.5 s of the reset")
          .isInstanceOf(TimeoutException.class);
      a.restoreConnection();
      await()
          .atMost(30, TimeUnit.SECONDS)
          .until(() -> a.zk().sessionState() == ZooKeeperSession.SessionState.CONNECTED);
      assertThat(a.session().sessionId()).isEqualTo(sessionId);
      assertThat(c.lost()).isNotDone();
      assertThat(raw.stat(base(info) + "/" + c.membership().id())).isNotNull();
      assertThat(get(a.session().detector().detect()))
          .map(l -> l.membership())
          .contains(c.membership());
    } finally {
      a.close();
    }
  }

  /**
   * A create that reached the server but whose reply was lost with the connection: the join finds
   * the member it made (same session, same data) and adopts it instead of making a second one. The
   * kit's proxy loses every answer on the connection from the create on, and resets it when
   * restored.
   */
  @Test
  void aCreateWhoseReplyWasLostIsAdoptedNotRepeated(TestInfo info) throws Exception {
    try (ZooKeeperFixture.Client client = connect(info, Duration.ofSeconds(6))) {
      HaSession s = client.session();
      raw.curator().create().creatingParentsIfNeeded().forPath(base(info));
      get(s.group("").members()); // connected
      String sessionId = s.sessionId();
      byte[] data = "orphan?".getBytes(StandardCharsets.UTF_8);

      // The create reaches the server and is applied, but no reply comes back; restoring resets the
      // connection
      // with the create unanswered, and the client reconnects the same session.
      client.loseAnswersAfterSending(data);
      CompletableFuture<Membership> join;
      String orphan;
      try {
        join = s.group("").join(data, Optional.of("json.info"));
        await().atMost(20, TimeUnit.SECONDS).until(() -> raw.children(base(info)).size() == 1);
        orphan = raw.children(base(info)).get(0);
        assertThat(join).isNotDone();
      } finally {
        client.restoreConnection();
      }

      Membership m = get(join);
      assertThat(s.sessionId()).isEqualTo(sessionId);
      assertThat(m.id()).isEqualTo(orphan);
      assertThat(client.timesSent()).as("creates sent with the member's data").isEqualTo(1);
      assertThat(raw.children(base(info))).as("members after the join").containsExactly(orphan);
      assertThat(raw.stat(base(info) + "/" + m.id()).getEphemeralOwner())
          .isEqualTo(Long.decode(sessionId));
      assertThat(m.cancelled()).isNotDone();
      assertThat(get(s.group("").cancel(m))).isTrue();
      assertThat(raw.children(base(info))).isEmpty();
    }
  }

  @Test
  void aSessionTimeoutBelowTheServersMinimumIsRefused() throws Exception {
    try (ZooKeeperServers strict =
        new ZooKeeperServers(1, Map.of("minSessionTimeout", "2000", "maxSessionTimeout", "5000"))) {
      strict.start();
      HaConfig tooShort =
          HaConfig.builder()
              .url("zk://" + strict.connectString() + "/strict")
              .sessionTimeout(Duration.ofSeconds(1))
              .build();
      try (HaSession s = new ZooKeeperBackend().open(tooShort)) {
        assertThatThrownBy(() -> get(s.group("").join(new byte[0], Optional.of("json.info"))))
            .hasCauseInstanceOf(HaConfigException.class)
            .hasMessageContaining("session timeout 1s")
            .hasMessageContaining("granted 2s");
        assertThatThrownBy(() -> get(s.group("").members()))
            .hasCauseInstanceOf(HaConfigException.class);
      }
      try (RawClient strictRaw = new RawClient(strict.connectString())) {
        assertThat(strictRaw.children("/strict")).as("nothing was left behind").isEmpty();
      }

      // Above the servers' maximum the session is shorter than asked, which is safe: the deadline
      // follows it.
      HaConfig tooLong =
          HaConfig.builder()
              .url("zk://" + strict.connectString() + "/strict")
              .sessionTimeout(Duration.ofSeconds(8))
              .build();
      try (HaSession s = new ZooKeeperBackend().open(tooLong)) {
        get(s.group("").join(new byte[0], Optional.of("json.info")));
        assertThat(((ZooKeeperSession) s).negotiatedTimeout()).isEqualTo(Duration.ofSeconds(5));
      }
    }
  }

  /** Server-side expiry while the detector on the same session follows our own leadership. */
  @Test
  void afterExpiryTheSessionsOwnDetectorNoLongerReportsItsFormerSelf(TestInfo info)
      throws Exception {
    ZooKeeperFixture.Client a = connect(info, Duration.ofSeconds(3));
    try {
      Candidacy c = elect(a.session(), 5050);
      var detector = a.session().detector();
      assertThat(get(detector.detect())).map(l -> l.membership()).contains(c.membership());
      AtomicReference<Object> next = new AtomicReference<>();
      CompletableFuture<?> change = detector.detect(get(detector.detect())).thenAccept(next::set);
      fixture.expireSession(a);
      assertThat(get(c.membership().cancelled())).isFalse();
      get(change);
      assertThat(next.get()).isEqualTo(Optional.empty());
      detector.close();
    } finally {
      a.close();
    }
  }
}
