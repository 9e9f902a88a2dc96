package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;

/** The group primitive against one real ZooKeeper server: layout, listing, cancel, close. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperGroupTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(4);
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
    return "/test/" + info.getTestMethod().orElseThrow().getName();
  }

  private HaSession open(String path) {
    return fixture.connect(path, TIMEOUT).session();
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void joinCreatesAnEphemeralSequentialMemberUnderANewBasePath(TestInfo info) throws Exception {
    String path = base(info) + "/deeper";
    try (HaSession s = open(path)) {
      Membership m =
          get(s.group("").join("hello".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")));

      assertThat(m.id()).matches("json\\.info_\\d{10}");
      assertThat(m.label()).contains("json.info");
      assertThat(m.id()).endsWith(String.format("%010d", m.sequence()));
      Stat stat = raw.stat(path + "/" + m.id());
      assertThat(stat.getEphemeralOwner()).isEqualTo(Long.decode(s.sessionId()));
      assertThat(raw.data(path + "/" + m.id())).asString(StandardCharsets.UTF_8).isEqualTo("hello");
      // Parents are plain persistent znodes with no data, as Mesos creates them.
      assertThat(raw.stat(path).getEphemeralOwner()).isZero();
      assertThat(raw.data(path)).isEmpty();
      assertThat(raw.curator().getACL().forPath(path)).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }
  }

  @Test
  void unlabelledMembersAreNamedBySequenceAlone(TestInfo info) throws Exception {
    try (HaSession s = open(base(info))) {
      Membership m =
          get(
              s.group("log_replicas")
                  .join(
                      "log-replica(1)@127.0.0.1:5050".getBytes(StandardCharsets.UTF_8),
                      Optional.empty()));

      assertThat(m.id()).matches("\\d{10}");
      assertThat(m.label()).isEmpty();
      assertThat(raw.children(base(info) + "/log_replicas")).containsExactly(m.id());
      // The masters' path lists log_replicas as a child, which is not a member.
      assertThat(get(s.group("").members())).isEmpty();
    }
  }

  @Test
  void membersAndWatchFollowOtherClientsAndIgnoreNonMembers(TestInfo info) throws Exception {
    String path = base(info);
    try (HaSession s = open(path)) {
      Group g = s.group("");
      assertThat(get(g.members())).isEmpty();
      CompletableFuture<Set<Membership>> change = g.watch(Set.of());

      String created = raw.createMember(path, "json.info_", new byte[] {1});
      raw.curator().create().forPath(path + "/not-a-member");
      raw.curator().create().forPath(path + "/info_123"); // too few digits for a sequence

      Set<Membership> seen = get(change);
      assertThat(seen)
          .extracting(Membership::id)
          .containsExactly(created.substring(path.length() + 1));
      assertThat(get(g.members())).isEqualTo(seen);
      assertThat(get(g.data(seen.iterator().next()))).contains(new byte[] {1});

      CompletableFuture<Set<Membership>> gone = g.watch(seen);
      raw.delete(created);
      assertThat(get(gone)).isEmpty();
      assertThat(get(g.data(seen.iterator().next()))).isEmpty();
    }
  }

  @Test
  void sequencesIncreaseAcrossLabelsAndMembersAreListedInOrder(TestInfo info) throws Exception {
    try (HaSession s = open(base(info))) {
      Group g = s.group("");
      Membership a = get(g.join(new byte[0], Optional.of("json.info")));
      Membership b = get(g.join(new byte[0], Optional.of("info")));
      Membership c = get(g.join(new byte[0], Optional.empty()));
      assertThat(List.of(a.sequence(), b.sequence(), c.sequence()))
          .isSorted()
          .doesNotHaveDuplicates();
      assertThat(get(g.members())).containsExactly(a, b, c);
    }
  }

  @Test
  void cancelDeletesOursAndRefusesOthers(TestInfo info) throws Exception {
    String path = base(info);
    try (HaSession s = open(path);
        HaSession other = open(path)) {
      Membership mine = get(s.group("").join(new byte[] {7}, Optional.of("json.info")));
      Membership theirs = get(other.group("").join(new byte[] {8}, Optional.of("json.info")));

      assertThat(get(s.group("").cancel(theirs))).isFalse();
      assertThat(theirs.cancelled()).isNotDone();
      assertThat(get(s.group("").cancel(mine))).isTrue();
      assertThat(get(mine.cancelled())).isTrue();
      assertThat(raw.children(path)).containsExactly(theirs.id());
      assertThat(get(s.group("").cancel(mine))).isFalse();
    }
  }

  @Test
  void deletionBySomeoneElseCompletesCancelledFalse(TestInfo info) throws Exception {
    String path = base(info);
    try (HaSession s = open(path)) {
      Membership m = get(s.group("").join(new byte[0], Optional.of("json.info")));
      raw.delete(path + "/" + m.id());
      assertThat(m.cancelled().get(20, TimeUnit.SECONDS)).isFalse();
    }
  }

  @Test
  void closeDeletesOurMembersAtOnceAndFailsLaterCalls(TestInfo info) throws Exception {
    String path = base(info);
    HaSession s = open(path);
    Group g = s.group("");
    Membership m = get(g.join(new byte[0], Optional.of("json.info")));
    Membership replica = get(s.group("log_replicas").join(new byte[0], Optional.empty()));
    CompletableFuture<Set<Membership>> pendingWatch = g.watch(Set.of(m));

    s.close();

    // No waiting for a session timeout: the members are gone when close returns.
    assertThat(raw.children(path)).containsExactly("log_replicas");
    assertThat(raw.children(path + "/log_replicas")).isEmpty();
    assertThat(m.cancelled().getNow(null)).isTrue();
    assertThat(replica.cancelled().getNow(null)).isTrue();
    assertThatThrownBy(() -> pendingWatch.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SessionClosedException.class);
    assertThatThrownBy(() -> g.join(new byte[0], Optional.empty()).get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SessionClosedException.class);
    assertThatThrownBy(() -> s.group("")).isInstanceOf(SessionClosedException.class);
    s.close(); // idempotent
  }

  @Test
  void joinWaitsForTheConnectionAndThenSucceeds(TestInfo info) throws Exception {
    ZooKeeperFixture.Client c = (ZooKeeperFixture.Client) fixture.connect(base(info), TIMEOUT);
    try {
      get(c.session().group("").members()); // connected once
      c.resetConnection();
      await()
          .atMost(20, TimeUnit.SECONDS)
          .until(() -> c.zk().sessionState() != ZooKeeperSession.SessionState.CONNECTED);
      CompletableFuture<Membership> join =
          c.session().group("").join(new byte[] {3}, Optional.of("json.info"));
      c.restoreConnection();
      Membership m = get(join);
      assertThat(raw.children(base(info))).containsExactly(m.id());
    } finally {
      c.close();
    }
  }

  @Test
  void badLabelsAreRefused(TestInfo info) {
    try (HaSession s = open(base(info))) {
      assertThatThrownBy(() -> get(s.group("").join(new byte[0], Optional.of("a/b"))))
          .hasCauseInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> get(s.group("").join(new byte[0], Optional.of(""))))
          .hasCauseInstanceOf(IllegalArgumentException.class);
    }
  }
}
