package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.consul.fake.ConsulTestSupport.get;
import static org.masterha.consul.fake.ConsulTestSupport.put;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.SessionClient;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.model.session.SessionInfo;

/** The /v1/session endpoints, through the real client where it has the call. */
class SessionApiTest {

  private FakeConsul fake;
  private Consul consul;
  private SessionClient sessions;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().build().start(); // Consul's defaults: session_ttl_min 10s
    consul = ConsulTestSupport.client(fake);
    sessions = consul.sessionClient();
  }

  @AfterEach
  void stopFake() {
    ConsulTestSupport.closeQuietly(consul);
    fake.close();
  }

  @Test
  void createInfoListRenewDestroy() {
    // session.mdx: create answers {"ID"}; info and renew answer an array holding the session;
    // list shows active sessions; destroy answers true and the session is gone.
    String id =
        sessions
            .createSession(
                ImmutableSession.builder()
                    .name("master-1")
                    .ttl("15s")
                    .behavior("delete")
                    .lockDelay("5s")
                    .build())
            .getId();

    SessionInfo info = sessions.getSessionInfo(id).orElseThrow();
    assertThat(info.getId()).isEqualTo(id);
    assertThat(info.getName()).contains("master-1");
    assertThat(info.getTtl()).contains("15s");
    assertThat(info.getBehavior()).isEqualTo("delete");
    assertThat(info.getNode()).isEqualTo("fake-consul");
    // Consul answers LockDelay as a Go time.Duration, i.e. nanoseconds (the client passes it
    // through).
    assertThat(info.getLockDelay()).isEqualTo(5_000_000_000L);
    assertThat(sessions.listSessions()).extracting(SessionInfo::getId).containsExactly(id);

    assertThat(sessions.renewSession(id)).map(SessionInfo::getId).contains(id);

    sessions.destroySession(id);
    assertThat(sessions.getSessionInfo(id)).isEmpty();
    assertThat(sessions.listSessions()).isEmpty();
  }

  @Test
  void createIndexesComeFromTheRaftIndexAndRenewChangesNone() {
    // session.mdx sample: CreateIndex/ModifyIndex are Raft indexes; a renew only resets a timer.
    put(fake, "/v1/kv/before", "x");
    String id = sessions.createSession(ImmutableSession.builder().ttl("10s").build()).getId();
    JsonNode created = json(get(fake, "/v1/session/info/" + id).body()).get(0);
    assertThat(created.get("CreateIndex").asLong())
        .isEqualTo(3)
        .isEqualTo(created.get("ModifyIndex").asLong());

    JsonNode renewed = json(put(fake, "/v1/session/renew/" + id, "").body()).get(0);
    assertThat(renewed.get("ModifyIndex").asLong()).isEqualTo(3);
    assertThat(fake.currentIndex()).isEqualTo(3);
  }

  @Test
  void renewOfUnknownSessionIs404() {
    // agent/session_endpoint.go: renewing a session that does not exist is 404 "Session id '...'
    // not found".
    String unknown = "adf4238a-882b-9ddc-4a9d-5b6758e4159e";
    assertThatThrownBy(() -> sessions.renewSession(unknown))
        .isInstanceOfSatisfying(
            ConsulException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(404);
              assertThat(e.getMessage()).contains("Session id '" + unknown + "' not found");
            });
  }

  @Test
  void destroyIsIdempotentAndInfoOfMissingSessionIsEmptyArray() {
    // session.mdx: destroying an unknown or expired session still answers 200 true;
    // reading a session that does not exist answers an empty JSON list [].
    ConsulTestSupport.Reply destroyed =
        put(fake, "/v1/session/destroy/adf4238a-882b-9ddc-4a9d-5b6758e4159e", "");
    assertThat(destroyed.status()).isEqualTo(200);
    assertThat(destroyed.body()).isEqualTo("true");

    ConsulTestSupport.Reply info =
        get(fake, "/v1/session/info/adf4238a-882b-9ddc-4a9d-5b6758e4159e");
    assertThat(info.status()).isEqualTo(200);
    assertThat(info.body()).isEqualTo("[]");
    assertThat(info.index()).isPositive();
  }

  @Test
  void defaultsOfASessionCreatedWithoutBody() {
    // session.mdx: LockDelay defaults to 15s, Behavior to release, the agent's node, the serfHealth
    // check.
    String id = json(put(fake, "/v1/session/create", null).body()).get("ID").asText();
    JsonNode s = json(get(fake, "/v1/session/info/" + id).body()).get(0);
    assertThat(s.get("LockDelay").asLong()).isEqualTo(15_000_000_000L);
    assertThat(s.get("Behavior").asText()).isEqualTo("release");
    assertThat(s.get("TTL").asText()).isEmpty();
    assertThat(s.get("Node").asText()).isEqualTo("fake-consul");
    assertThat(s.get("NodeChecks").toString()).isEqualTo("[\"serfHealth\"]");
  }

  @Test
  void emptyChecksMakeATtlOnlySession() {
    // agent/session_endpoint.go fixupEmptySessionChecks: "Checks": [] removes the default
    // serfHealth.
    String id =
        json(put(fake, "/v1/session/create", "{\"TTL\":\"10s\",\"Checks\":[]}").body())
            .get("ID")
            .asText();
    assertThat(json(get(fake, "/v1/session/info/" + id).body()).get(0).get("NodeChecks").size())
        .isZero();
  }

  @Test
  void ttlOutsideTenSecondsToADayIsRefusedByDefault() {
    // session.mdx: TTL must be between 10s and 86400s. Consul's server refuses with
    // "Invalid Session TTL '<ns>', must be between [10s=24h0m0s]", which its HTTP layer answers as
    // 500.
    assertThatThrownBy(() -> sessions.createSession(ImmutableSession.builder().ttl("9s").build()))
        .isInstanceOfSatisfying(
            ConsulException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(500);
              assertThat(e.getMessage())
                  .contains("Invalid Session TTL '9000000000', must be between [10s=24h0m0s]");
            });
    ConsulTestSupport.Reply tooLong = put(fake, "/v1/session/create", "{\"TTL\":\"86401s\"}");
    assertThat(tooLong.status()).isEqualTo(500);
    assertThat(tooLong.body())
        .isEqualTo("Invalid Session TTL '86401000000000', must be between [10s=24h0m0s]");

    assertThat(sessions.createSession(ImmutableSession.builder().ttl("10s").build()).getId())
        .isNotBlank();
    assertThat(sessions.createSession(ImmutableSession.builder().ttl("86400s").build()).getId())
        .isNotBlank();
  }

  @Test
  void ttlMinimumIsConfigurableLikeSessionTtlMin() {
    // Consul agent config session_ttl_min lowers the 10s floor; the message names the configured
    // floor.
    fake.setSessionTtlMin(Duration.ofSeconds(1));
    assertThat(sessions.createSession(ImmutableSession.builder().ttl("1s").build()).getId())
        .isNotBlank();
    ConsulTestSupport.Reply refused = put(fake, "/v1/session/create", "{\"TTL\":\"500ms\"}");
    assertThat(refused.status()).isEqualTo(500);
    assertThat(refused.body())
        .isEqualTo("Invalid Session TTL '500000000', must be between [1s=24h0m0s]");

    fake.setSessionTtlMin(Duration.ofMillis(2500));
    assertThat(put(fake, "/v1/session/create", "{\"TTL\":\"2s\"}").body())
        .isEqualTo("Invalid Session TTL '2000000000', must be between [2.5s=24h0m0s]");
  }

  @Test
  void badBehaviorTtlNodeAndChecksAreRefusedWithConsulsTexts() {
    // agent/consul/session_endpoint.go and state/session.go validation, answered as 500.
    assertThat(put(fake, "/v1/session/create", "{\"Behavior\":\"explode\"}").body())
        .isEqualTo("Invalid Behavior setting 'explode'");
    assertThat(put(fake, "/v1/session/create", "{\"TTL\":\"ten\"}").body())
        .isEqualTo("Session TTL 'ten' invalid: time: invalid duration \"ten\"");
    assertThat(put(fake, "/v1/session/create", "{\"Node\":\"elsewhere\"}").body())
        .isEqualTo("Missing node registration");
    assertThat(put(fake, "/v1/session/create", "{\"Checks\":[\"serfHealth\",\"web\"]}").body())
        .isEqualTo("Missing check 'web' registration");
    ConsulTestSupport.Reply garbage = put(fake, "/v1/session/create", "{not json");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.body()).startsWith("Request decode failed: ");
    assertThat(sessions.listSessions()).isEmpty();
  }

  @Test
  void lockDelayAcceptsDurationStringsAndSmallNumbersAsSeconds() {
    // agent/session_endpoint.go: LockDelay may be "15s" or a number; numbers under 1000 mean
    // seconds.
    assertThat(lockDelayOf("{\"LockDelay\":\"250ms\"}")).isEqualTo(250_000_000L);
    assertThat(lockDelayOf("{\"LockDelay\":7}")).isEqualTo(7_000_000_000L);
    assertThat(lockDelayOf("{\"LockDelay\":2000000000}")).isEqualTo(2_000_000_000L);
    assertThat(lockDelayOf("{\"lockdelay\":\"0s\"}"))
        .isZero(); // Go matches JSON names case-insensitively
  }

  @Test
  void sessionsForNodeListsOnlyThatNode() {
    // session.mdx "List Sessions for Node".
    String id = sessions.createSession(ImmutableSession.builder().name("n").build()).getId();
    assertThat(json(get(fake, "/v1/session/node/fake-consul").body()).get(0).get("ID").asText())
        .isEqualTo(id);
    assertThat(get(fake, "/v1/session/node/other").body()).isEqualTo("[]");
  }

  private long lockDelayOf(String body) {
    String id = json(put(fake, "/v1/session/create", body).body()).get("ID").asText();
    return json(get(fake, "/v1/session/info/" + id).body()).get(0).get("LockDelay").asLong();
  }

  static JsonNode json(String body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }
}
