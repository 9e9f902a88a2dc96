package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.consul.fake.ConsulTestSupport.get;
import static org.masterha.consul.fake.ConsulTestSupport.put;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.model.session.ImmutableSession;

/**
 * ACL tokens (api-structure "Authentication", acl/errors.go): a token comes from X-Consul-Token,
 * Authorization: Bearer or ?token=; an unknown token is 403 "ACL not found"; no token means the
 * anonymous token, which a default-deny policy refuses with 403 "Permission denied: ...".
 */
class AclTest {

  private static final String TOKEN = "5ecr3t-t0ken";
  private static final String READER = "r3ad-0nly-t0ken";

  private FakeConsul fake;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().aclToken(TOKEN).keyPrefixReadToken(READER, "app/").build().start();
  }

  @AfterEach
  void stopFake() {
    fake.close();
  }

  @Test
  void withoutATokenRequestsAreAnonymousAndDenied() {
    ConsulTestSupport.Reply read = get(fake, "/v1/kv/secret");
    assertThat(read.status()).isEqualTo(403);
    assertThat(read.body())
        .isEqualTo(
            "Permission denied: anonymous token lacks permission 'key:read' on \"secret\"."
                + " The anonymous token is used implicitly when a request does not specify a token.");
    assertThat(put(fake, "/v1/kv/secret", "x").body())
        .startsWith(
            "Permission denied: anonymous token lacks permission 'key:write' on \"secret\"");
    assertThat(put(fake, "/v1/session/create", "{}").status()).isEqualTo(403);
    assertThat(get(fake, "/v1/agent/self").status()).isEqualTo(403);
    assertThat(get(fake, "/v1/kv/secret", "X-Consul-Token", TOKEN).status())
        .isEqualTo(404); // nothing was written
  }

  @Test
  void aKeyPrefixReadTokenReadsItsPrefixAndNothingElse() {
    // key_prefix "app/" { policy = "read" }: reads under the prefix; lists filtered; no writes, no
    // sessions; denials name the token by its AccessorID, as Consul's acl/errors.go does.
    put(fake, "/v1/kv/app/a", "v", "X-Consul-Token", TOKEN);
    put(fake, "/v1/kv/other", "v", "X-Consul-Token", TOKEN);
    assertThat(get(fake, "/v1/kv/app/a", "X-Consul-Token", READER).status()).isEqualTo(200);
    ConsulTestSupport.Reply outside = get(fake, "/v1/kv/other", "X-Consul-Token", READER);
    assertThat(outside.status()).isEqualTo(403);
    assertThat(outside.body())
        .matches(
            "Permission denied: token with AccessorID '[0-9a-f-]{36}' lacks permission"
                + " 'key:read' on \"other\"");
    ConsulTestSupport.Reply all = get(fake, "/v1/kv/?recurse", "X-Consul-Token", READER);
    assertThat(all.body()).contains("\"app/a\"").doesNotContain("\"other\"");
    assertThat(all.header("X-Consul-Results-Filtered-By-ACLs")).isEqualTo("true");
    assertThat(put(fake, "/v1/kv/app/a", "w", "X-Consul-Token", READER).body())
        .contains("lacks permission 'key:write' on \"app/a\"");
    assertThat(put(fake, "/v1/session/create", "{}", "X-Consul-Token", READER).body())
        .contains("lacks permission 'session:write'");
    ConsulTestSupport.Reply txn =
        put(
            fake,
            "/v1/txn",
            "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"app/b\",\"Value\":\"eA==\"}}]",
            "X-Consul-Token",
            READER);
    assertThat(txn.status()).isEqualTo(409);
    assertThat(txn.body()).contains("lacks permission 'key:write' on \\\"app/b\\\"");
    assertThat(get(fake, "/v1/kv/app/b", "X-Consul-Token", TOKEN).status()).isEqualTo(404);
  }

  @Test
  void anUnknownTokenIsAclNotFound() {
    ConsulTestSupport.Reply reply = get(fake, "/v1/kv/k", "X-Consul-Token", "not-the-token");
    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.body()).isEqualTo("ACL not found");
  }

  @Test
  void theTokenIsAcceptedFromHeaderBearerOrQuery() {
    assertThat(put(fake, "/v1/kv/k", "v", "X-Consul-Token", TOKEN).status()).isEqualTo(200);
    assertThat(get(fake, "/v1/kv/k", "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
    assertThat(get(fake, "/v1/kv/k?token=" + TOKEN).status()).isEqualTo(200);
  }

  @Test
  void anonymousListsAreFilteredRatherThanRefused() {
    // Consul filters list results by ACL and flags it with X-Consul-Results-Filtered-By-ACLs.
    put(fake, "/v1/kv/dir/a", "v", "X-Consul-Token", TOKEN);
    put(fake, "/v1/session/create", "{}", "X-Consul-Token", TOKEN);
    ConsulTestSupport.Reply list = get(fake, "/v1/kv/dir/?recurse");
    assertThat(list.status()).isEqualTo(404);
    assertThat(list.header("X-Consul-Results-Filtered-By-ACLs")).isEqualTo("true");
    ConsulTestSupport.Reply sessions = get(fake, "/v1/session/list");
    assertThat(sessions.body()).isEqualTo("[]");
    assertThat(sessions.header("X-Consul-Results-Filtered-By-ACLs")).isEqualTo("true");
  }

  @Test
  void theRealClientWorksWithTheTokenAndIsRefusedWithoutIt() {
    Consul withToken = ConsulTestSupport.client(fake, TOKEN);
    // Consul.builder() pings /v1/status/leader, which needs no token, so building works either way.
    Consul without = ConsulTestSupport.client(fake);
    try {
      String id =
          withToken
              .sessionClient()
              .createSession(ImmutableSession.builder().name("m").build())
              .getId();
      assertThat(withToken.keyValueClient().acquireLock("leader", "me", id)).isTrue();
      assertThat(withToken.keyValueClient().getSession("leader")).contains(id);

      assertThatThrownBy(() -> without.keyValueClient().getValue("leader"))
          .isInstanceOfSatisfying(
              ConsulException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      assertThat(without.statusClient().getLeader()).isNotBlank();
    } finally {
      ConsulTestSupport.closeQuietly(withToken);
      ConsulTestSupport.closeQuietly(without);
    }
  }

  @Test
  void theTokenIsNeverLogged() {
    Logger logger = Logger.getLogger(FakeConsul.class.getName());
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Level old = logger.getLevel();
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
    try {
      get(fake, "/v1/kv/k?token=" + TOKEN);
      get(fake, "/v1/kv/k?token=wrong-" + TOKEN);
      put(fake, "/v1/kv/k", "v", "X-Consul-Token", TOKEN);
      fake.restart();
    } finally {
      logger.removeHandler(capture);
      logger.setLevel(old);
    }
    assertThat(records).isNotEmpty();
    assertThat(records)
        .extracting(r -> new SimpleFormatter().formatMessage(r))
        .noneMatch(m -> m.contains(TOKEN))
        .anyMatch(m -> m.contains("token=<hidden>"));
    assertThat(fake.toString()).doesNotContain(TOKEN);
  }
}
