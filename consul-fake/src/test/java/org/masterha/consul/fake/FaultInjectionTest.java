package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.masterha.consul.fake.ConsulTestSupport.get;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.SessionClient;
import org.kiwiproject.consul.model.session.ImmutableSession;

/**
 * The faults the fake exists for: restarts, crashes, freezes, expiries and indexes going backwards.
 */
class FaultInjectionTest {

  private final ManualClock clock = new ManualClock();
  private FakeConsul fake;
  private Consul consul;
  private KeyValueClient kv;
  private SessionClient sessions;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().clock(clock).build().start();
    consul = ConsulTestSupport.client(fake);
    kv = consul.keyValueClient();
    sessions = consul.sessionClient();
  }

  @AfterEach
  void stopFake() {
    ConsulTestSupport.closeQuietly(consul);
    fake.close();
  }

  @Test
  void aRestartKeepsStateAndPortLikeAConsulServerRestart() {
    String id = sessions.createSession(ImmutableSession.builder().name("m").build()).getId();
    assertThat(kv.acquireLock("leader", "me", id)).isTrue();
    int port = fake.port();
    long index = fake.currentIndex();

    fake.restart();

    assertThat(fake.port()).isEqualTo(port);
    // The same client instance (same host:port) carries on.
    assertThat(kv.getSession("leader")).contains(id);
    assertThat(sessions.getSessionInfo(id)).isPresent();
    kv.putValue("after", "restart");
    assertThat(kv.getValue("after").orElseThrow().getModifyIndex()).isGreaterThan(index);
  }

  @Test
  void whileStoppedTheClientCannotConnectAndAfterStartItCan() {
    kv.putValue("k", "v");
    fake.stop();
    assertThat(fake.isRunning()).isFalse();
    assertThatThrownBy(() -> kv.getValue("k"))
        .isInstanceOfSatisfying(ConsulException.class, e -> assertThat(e.hasCode()).isFalse());
    fake.start();
    assertThat(kv.getValueAsString("k")).contains("v");
  }

  @Test
  void stoppingDropsABlockingQueryInFlight() {
    kv.putValue("k", "v");
    long index = get(fake, "/v1/kv/k").index();
    CompletableFuture<ConsulTestSupport.Reply> blocked =
        ConsulTestSupport.getAsync(fake, "/v1/kv/k?index=" + index + "&wait=30s");
    await().atMost(Duration.ofSeconds(5)).until(() -> fake.blockedQueryCount() == 1);

    fake.stop();

    assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    assertThat(fake.blockedQueryCount()).isZero();
  }

  @Test
  void aRestartRestartsSessionTtlsAsALeaderElectionDoes() {
    // sessions.mdx: "The TTL is renewed on session creation, on session renew, and on leader
    // failover."
    fake.setSessionReapMultiplier(1.0);
    String id = sessions.createSession(ImmutableSession.builder().ttl("10s").build()).getId();
    clock.advance(Duration.ofSeconds(8));
    fake.restart();
    clock.advance(Duration.ofSeconds(8));
    assertThat(sessions.getSessionInfo(id)).isPresent();
    clock.advance(Duration.ofSeconds(2));
    assertThat(sessions.getSessionInfo(id)).isEmpty();
  }

  @Test
  void aStoppedServerExpiresNothing() {
    fake.setSessionReapMultiplier(1.0);
    String id = sessions.createSession(ImmutableSession.builder().ttl("10s").build()).getId();
    fake.stop();
    clock.advance(Duration.ofSeconds(30));
    fake.start();
    assertThat(sessions.getSessionInfo(id)).isPresent();
  }

  @Test
  void restartLosingStateForgetsEverythingAndTheIndexGoesBackwards() {
    kv.putValue("a", "1");
    kv.putValue("b", "2");
    long before = get(fake, "/v1/kv/?recurse").index();

    fake.restartLosingState();

    assertThat(kv.getValue("a")).isEmpty();
    assertThat(sessions.listSessions()).isEmpty();
    assertThat(get(fake, "/v1/kv/?recurse").index()).isLessThan(before);
  }

  @Test
  void pauseHangsRequestsUntilResume() throws Exception {
    kv.putValue("k", "v");
    fake.pause();
    CompletableFuture<ConsulTestSupport.Reply> hanging =
        ConsulTestSupport.getAsync(fake, "/v1/kv/k");
    await().atMost(Duration.ofSeconds(5)).until(() -> fake.pausedRequestCount() == 1);
    assertThat(hanging).isNotDone();

    fake.resume();

    assertThat(hanging.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(fake.pausedRequestCount()).isZero();
  }

  @Test
  void whilePausedSessionTtlsKeepRunning() throws Exception {
    fake.setSessionReapMultiplier(1.0);
    String id = sessions.createSession(ImmutableSession.builder().ttl("10s").build()).getId();
    fake.pause();
    CompletableFuture<ConsulTestSupport.Reply> renew =
        ConsulTestSupport.sendAsync(fake, "PUT", "/v1/session/renew/" + id, "");
    await().atMost(Duration.ofSeconds(5)).until(() -> fake.pausedRequestCount() == 1);
    clock.advance(Duration.ofSeconds(10));
    fake.resume();
    // The renew arrives at a server that already invalidated the session.
    assertThat(renew.get(5, TimeUnit.SECONDS).status()).isEqualTo(404);
  }

  @Test
  void expireSessionInvalidatesAsTheTtlWould() {
    String id =
        sessions
            .createSession(ImmutableSession.builder().behavior("delete").lockDelay("0s").build())
            .getId();
    assertThat(kv.acquireLock("ephemeral", "me", id)).isTrue();
    assertThat(fake.expireSession(id)).isTrue();
    assertThat(kv.getValue("ephemeral")).isEmpty();
    assertThat(sessions.getSessionInfo(id)).isEmpty();
    assertThat(fake.expireSession(id)).isFalse();
  }

  @Test
  void restoringAnOlderSnapshotMakesTheIndexGoBackwards() {
    // blocking.mdx: "Reset the index if it goes backwards ... If a raft snapshot is restored on the
    // servers with older version of the data." A client blocking on the newer index just times out.
    kv.putValue("k", "old");
    FakeConsul.Snapshot snapshot = fake.snapshot();
    kv.putValue("k", "new");
    long newer = get(fake, "/v1/kv/k").index();

    fake.restore(snapshot);

    assertThat(kv.getValueAsString("k")).contains("old");
    ConsulTestSupport.Reply afterRestore = get(fake, "/v1/kv/k?index=" + newer + "&wait=200ms");
    assertThat(afterRestore.index()).isLessThan(newer).isEqualTo(snapshot.raftIndex());
  }

  @Test
  void reapingTombstonesLetsAPrefixIndexDropBack() {
    // blocking.mdx: indexes go backwards for "KV list operations where an item with the highest
    // index is removed"
    // once Consul's tombstone GC has run.
    kv.putValue("p/a", "1");
    long aIndex = kv.getValue("p/a").orElseThrow().getModifyIndex();
    kv.putValue("p/b", "2");
    kv.deleteKey("p/b");
    long withTombstone = get(fake, "/v1/kv/p/?recurse").index();
    assertThat(withTombstone).isGreaterThan(aIndex);

    assertThat(fake.reapTombstones()).isEqualTo(1);

    assertThat(get(fake, "/v1/kv/p/?recurse").index()).isEqualTo(aIndex);
  }

  @Test
  void startAndStopAreGuarded() {
    assertThatThrownBy(fake::start).isInstanceOf(IllegalStateException.class);
    fake.stop();
    fake.stop(); // idempotent
    fake.close();
    assertThatThrownBy(fake::start).isInstanceOf(IllegalStateException.class);
  }
}
