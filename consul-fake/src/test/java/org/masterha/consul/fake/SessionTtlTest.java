package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.SessionClient;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.ImmutableSession;

/** Session TTL invalidation, driven by a manual clock so that nothing waits for real time. */
class SessionTtlTest {

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
  void aTtlSessionMayLiveUpToTwiceItsTtlByDefault() {
    // session.mdx: "sessions may not be reaped for up to double this TTL"; sessions.mdx: the TTL is
    // a
    // lower bound for invalidation. The fake reaps at exactly 2x TTL by default, never before 1x.
    String id = session("10s", "release");
    clock.advance(Duration.ofMillis(19_999));
    assertThat(sessions.getSessionInfo(id)).isPresent();
    clock.advance(Duration.ofMillis(1));
    assertThat(sessions.getSessionInfo(id)).isEmpty();
  }

  @Test
  void theReapMultiplierCanBeOneForExactExpiry() {
    fake.setSessionReapMultiplier(1.0);
    String id = session("10s", "release");
    clock.advance(Duration.ofMillis(9_999));
    assertThat(sessions.getSessionInfo(id)).isPresent();
    clock.advance(Duration.ofMillis(1));
    assertThat(sessions.getSessionInfo(id)).isEmpty();
  }

  @Test
  void renewRestartsTheTtlFromNow() {
    // session.mdx "Renew Session": renew extends the expiration by the TTL.
    fake.setSessionReapMultiplier(1.0);
    String id = session("10s", "release");
    clock.advance(Duration.ofSeconds(8));
    assertThat(sessions.renewSession(id)).isPresent();
    clock.advance(Duration.ofSeconds(8)); // 16s after creation, 8s after the renew
    assertThat(sessions.getSessionInfo(id)).isPresent();
    clock.advance(Duration.ofSeconds(2));
    assertThat(sessions.getSessionInfo(id)).isEmpty();
  }

  @Test
  void sessionsWithoutTtlNeverExpire() {
    String id = sessions.createSession(ImmutableSession.builder().name("no-ttl").build()).getId();
    clock.advance(Duration.ofDays(2));
    assertThat(sessions.getSessionInfo(id)).isPresent();
  }

  @Test
  void releaseBehaviorReleasesHeldLocksKeepingLockIndex() {
    // sessions.mdx: with the release behavior, held locks are released and the key's ModifyIndex is
    // incremented; LockIndex does not change on release and Session is cleared.
    String id = session("10s", "release");
    assertThat(kv.acquireLock("service/leader", "me", id)).isTrue();
    Value held = kv.getValue("service/leader").orElseThrow();

    clock.advance(Duration.ofSeconds(20));

    Value released = kv.getValue("service/leader").orElseThrow();
    assertThat(released.getSession()).isEmpty();
    assertThat(released.getLockIndex()).isEqualTo(held.getLockIndex()).isEqualTo(1);
    assertThat(released.getModifyIndex()).isGreaterThan(held.getModifyIndex());
    assertThat(released.getValueAsString()).contains("me");
  }

  @Test
  void deleteBehaviorDeletesHeldKeysOnly() {
    // sessions.mdx: with the delete behavior, keys of held locks are deleted (ephemeral entries).
    String id = session("10s", "delete");
    assertThat(kv.acquireLock("eph/held", "x", id)).isTrue();
    assertThat(kv.putValue("eph/plain", "y")).isTrue();

    clock.advance(Duration.ofSeconds(20));

    assertThat(kv.getValue("eph/held")).isEmpty();
    assertThat(kv.getValueAsString("eph/plain")).contains("y");
  }

  @Test
  void realTimeClockExpiresShortTtlsNoEarlierThanTheTtl() {
    // The default clock is real time. A TTL is a lower bound: never invalidated before it elapsed.
    try (FakeConsul real =
        FakeConsul.builder()
            .sessionTtlMin(Duration.ofMillis(100))
            .sessionReapMultiplier(1.0)
            .build()
            .start()) {
      long created = System.nanoTime();
      String id =
          SessionApiTest.json(
                  ConsulTestSupport.put(real, "/v1/session/create", "{\"TTL\":\"300ms\"}").body())
              .get("ID")
              .asText();
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> ConsulTestSupport.get(real, "/v1/session/info/" + id).body().equals("[]"));
      assertThat(Duration.ofNanos(System.nanoTime() - created))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
  }

  private String session(String ttl, String behavior) {
    return sessions
        .createSession(ImmutableSession.builder().ttl(ttl).behavior(behavior).build())
        .getId();
  }
}
