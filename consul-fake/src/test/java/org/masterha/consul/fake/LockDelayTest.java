package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.SessionClient;
import org.kiwiproject.consul.model.session.ImmutableSession;

/**
 * Lock-delay (sessions.mdx): "When a session invalidation takes place, Consul prevents any of the
 * previously held locks from being re-acquired for the lock-delay interval." Destroying a session
 * is one of the listed invalidations; an explicit release is not.
 */
class LockDelayTest {

  private final ManualClock clock = new ManualClock();
  private FakeConsul fake;
  private Consul consul;
  private SessionClient sessions;
  private KeyValueClient kv;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().clock(clock).build().start();
    consul = ConsulTestSupport.client(fake);
    sessions = consul.sessionClient();
    kv = consul.keyValueClient();
  }

  @AfterEach
  void stopFake() {
    ConsulTestSupport.closeQuietly(consul);
    fake.close();
  }

  @Test
  void afterTtlInvalidationOthersCannotAcquireUntilTheLockDelayPassed() {
    String a = session("15s");
    String b = session("15s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();

    assertThat(fake.expireSession(a)).isTrue(); // as the TTL would

    assertThat(kv.acquireLock("leader", "b", b)).isFalse();
    clock.advance(Duration.ofMillis(14_999));
    assertThat(kv.acquireLock("leader", "b", b)).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(kv.acquireLock("leader", "b", b)).isTrue();
    assertThat(kv.getValue("leader").orElseThrow().getLockIndex()).isEqualTo(2);
  }

  @Test
  void destroyingTheHolderAlsoAppliesTheLockDelay() {
    String a = session("5s");
    String b = session("5s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();
    sessions.destroySession(a);
    assertThat(kv.getValue("leader").orElseThrow().getSession()).isEmpty();
    assertThat(kv.acquireLock("leader", "b", b)).isFalse();
    clock.advance(Duration.ofSeconds(5));
    assertThat(kv.acquireLock("leader", "b", b)).isTrue();
  }

  @Test
  void anExplicitReleaseSetsNoLockDelay() {
    // kv.mdx ?release: clears Session, leaves LockIndex; no invalidation, so no delay.
    String a = session("15s");
    String b = session("15s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();
    assertThat(kv.releaseLock("leader", a)).isTrue();
    assertThat(kv.acquireLock("leader", "b", b)).isTrue();
  }

  @Test
  void aZeroLockDelayDisablesIt() {
    // sessions.mdx: "clients are able to disable this mechanism by providing a zero delay value".
    String a = session("0s");
    String b = session("0s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();
    fake.expireSession(a);
    assertThat(kv.acquireLock("leader", "b", b)).isTrue();
  }

  @Test
  void lockDelayIsCappedAtSixtySeconds() {
    // sessions.mdx: lock-delay is between 0 and 60 seconds (structs.MaxLockDelay).
    String a = session("120s");
    String b = session("0s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();
    fake.expireSession(a);
    clock.advance(Duration.ofSeconds(60));
    assertThat(kv.acquireLock("leader", "b", b)).isTrue();
  }

  @Test
  void aTransactionLockDuringTheLockDelayFails() {
    // agent/consul/txn_endpoint.go: "failed to lock key %q due to lock delay", rolled back with
    // 409.
    String a = session("15s");
    String b = session("15s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();
    fake.expireSession(a);
    ConsulTestSupport.Reply reply =
        ConsulTestSupport.put(
            fake,
            "/v1/txn",
            "[{\"KV\":{\"Verb\":\"lock\",\"Key\":\"leader\",\"Session\":\"" + b + "\"}}]");
    assertThat(reply.status()).isEqualTo(409);
    JsonNode error = SessionApiTest.json(reply.body()).get("Errors").get(0);
    assertThat(error.get("OpIndex").asInt()).isZero();
    assertThat(error.get("What").asText())
        .isEqualTo("failed to lock key \"leader\" due to lock delay");
  }

  @Test
  void aRestartForgetsLockDelaysAsTheyAreNotRaftState() {
    String a = session("15s");
    String b = session("15s");
    assertThat(kv.acquireLock("leader", "a", a)).isTrue();
    fake.expireSession(a);
    fake.restart();
    assertThat(kv.acquireLock("leader", "b", b)).isTrue();
  }

  private String session(String lockDelay) {
    return sessions.createSession(ImmutableSession.builder().lockDelay(lockDelay).build()).getId();
  }
}
