package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.consul.fake.ConsulTestSupport.put;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Operation;
import org.kiwiproject.consul.model.kv.TxResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.kv.Verb;
import org.kiwiproject.consul.model.session.ImmutableSession;

/**
 * /v1/txn (txn.mdx): "If any operation fails, the transaction is rolled back and none of the
 * changes are applied"; 200 with Results when applied, 409 with Errors when rolled back. The fenced
 * write "write K2 only while session S holds K" is check-session + set.
 */
class TxnTest {

  private FakeConsul fake;
  private Consul consul;
  private KeyValueClient kv;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().build().start();
    consul = ConsulTestSupport.client(fake);
    kv = consul.keyValueClient();
  }

  @AfterEach
  void stopFake() {
    ConsulTestSupport.closeQuietly(consul);
    fake.close();
  }

  @Test
  void aFencedWriteCommitsWhileTheSessionHoldsTheLock() {
    String s = session();
    assertThat(kv.acquireLock("leader", "me", s)).isTrue();

    ConsulResponse<TxResponse> response =
        kv.performTransaction(
            Operation.builder(Verb.CHECK_SESSION).key("leader").session(s).build(),
            Operation.builder(Verb.SET).key("state").value("v1").build());

    assertThat(response.getResponse().errors()).isEmpty();
    assertThat(response.getResponse().results()).hasSize(2);
    Map<String, Value> checked = response.getResponse().results().get(0);
    assertThat(checked.get("KV").getSession()).contains(s);
    // txn.mdx: "the Value for KV results will be null for any Verb other than get or get-tree".
    assertThat(checked.get("KV").getValue()).isEmpty();
    assertThat(kv.getValueAsString("state")).contains("v1");
  }

  @Test
  void aFencedWriteIsRolledBackWholeWhenTheLockMovedOn() {
    String s1 = session();
    String s2 = session();
    assertThat(kv.acquireLock("leader", "s1", s1)).isTrue();
    kv.putValue("state", "v0");
    Value before = kv.getValue("state").orElseThrow();
    assertThat(kv.releaseLock("leader", s1)).isTrue();
    assertThat(kv.acquireLock("leader", "s2", s2)).isTrue();

    // The set comes first: it must be undone by the failed check after it.
    String body =
        "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"state\",\"Value\":\""
            + b64("v1")
            + "\"}},"
            + "{\"KV\":{\"Verb\":\"check-session\",\"Key\":\"leader\",\"Session\":\""
            + s1
            + "\"}}]";
    ConsulTestSupport.Reply reply = put(fake, "/v1/txn", body);

    assertThat(reply.status()).isEqualTo(409);
    JsonNode json = SessionApiTest.json(reply.body());
    assertThat(json.get("Results").isNull()).isTrue();
    assertThat(json.get("Errors")).hasSize(1);
    assertThat(json.get("Errors").get(0).get("OpIndex").asInt()).isEqualTo(1);
    assertThat(json.get("Errors").get(0).get("What").asText())
        .isEqualTo(
            "failed session check for key \"leader\", current session \""
                + s2
                + "\" != \""
                + s1
                + "\"");
    Value after = kv.getValue("state").orElseThrow();
    assertThat(after.getValueAsString()).contains("v0");
    assertThat(after.getModifyIndex()).isEqualTo(before.getModifyIndex());
  }

  @Test
  void theClientSeesTheConflictAs409() {
    String s = session();
    assertThatThrownBy(
            () ->
                kv.performTransaction(
                    Operation.builder(Verb.CHECK_SESSION).key("missing").session(s).build(),
                    Operation.builder(Verb.SET).key("state").value("v1").build()))
        .isInstanceOfSatisfying(
            ConsulException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(409);
              assertThat(e.getMessage())
                  .contains("failed to check session, key \\\"missing\\\" doesn't exist");
            });
    assertThat(kv.getValue("state")).isEmpty();
  }

  @Test
  void everyFailingOperationIsReportedWithItsIndex() {
    // state/txn.go keeps going after a failure so that all errors are reported.
    kv.putValue("exists", "x");
    ConsulTestSupport.Reply reply =
        put(
            fake,
            "/v1/txn",
            "["
                + "{\"KV\":{\"Verb\":\"check-not-exists\",\"Key\":\"exists\"}},"
                + "{\"KV\":{\"Verb\":\"set\",\"Key\":\"fine\",\"Value\":\""
                + b64("ok")
                + "\"}},"
                + "{\"KV\":{\"Verb\":\"check-index\",\"Key\":\"exists\",\"Index\":999}},"
                + "{\"KV\":{\"Verb\":\"frobnicate\",\"Key\":\"exists\"}}]");
    assertThat(reply.status()).isEqualTo(409);
    JsonNode errors = SessionApiTest.json(reply.body()).get("Errors");
    assertThat(errors).hasSize(3);
    assertThat(errors.get(0).get("What").asText()).isEqualTo("key \"exists\" exists");
    assertThat(errors.get(1).get("OpIndex").asInt()).isEqualTo(2);
    assertThat(errors.get(1).get("What").asText())
        .startsWith("failed index check for key \"exists\", current modify index ")
        .endsWith(" != 999");
    assertThat(errors.get(2).get("What").asText()).isEqualTo("unknown KV verb \"frobnicate\"");
    assertThat(kv.getValue("fine")).isEmpty();
  }

  @Test
  void writeVerbsApplyTogetherAtOneIndex() {
    String s = session();
    kv.putValue("old/a", "1");
    kv.putValue("old/b", "1");
    kv.putValue("cas-me", "1");
    long casIndex = kv.getValue("cas-me").orElseThrow().getModifyIndex();

    ConsulTestSupport.Reply reply =
        put(
            fake,
            "/v1/txn",
            "["
                + "{\"KV\":{\"Verb\":\"lock\",\"Key\":\"leader\",\"Value\":\""
                + b64("me")
                + "\",\"Session\":\""
                + s
                + "\"}},"
                + "{\"KV\":{\"Verb\":\"cas\",\"Key\":\"cas-me\",\"Value\":\""
                + b64("2")
                + "\",\"Index\":"
                + casIndex
                + "}},"
                + "{\"KV\":{\"Verb\":\"delete-tree\",\"Key\":\"old/\"}},"
                + "{\"KV\":{\"Verb\":\"set\",\"Key\":\"new\",\"Value\":\""
                + b64("n")
                + "\",\"Flags\":42}}]");

    assertThat(reply.status()).isEqualTo(200);
    JsonNode results = SessionApiTest.json(reply.body()).get("Results");
    assertThat(results).hasSize(3); // no result entries for verbs that delete keys
    long idx = results.get(0).get("KV").get("ModifyIndex").asLong();
    assertThat(results.get(0).get("KV").get("LockIndex").asLong()).isEqualTo(1);
    assertThat(results.get(1).get("KV").get("ModifyIndex").asLong()).isEqualTo(idx);
    assertThat(results.get(2).get("KV").get("Flags").asLong()).isEqualTo(42);
    assertThat(SessionApiTest.json(reply.body()).get("Errors").isNull()).isTrue();
    assertThat(kv.getValues("old/")).isEmpty();
    assertThat(kv.getSession("leader")).contains(s);
    assertThat(fake.currentIndex()).isEqualTo(idx);
  }

  @Test
  void aReadOnlyTransactionReturnsValuesAndTakesNoIndex() {
    // txn.mdx: a transaction without writes is fast-pathed like a read; Value is returned for
    // get/get-tree.
    kv.putValue("r/a", "A");
    kv.putValue("r/b", "B");
    long index = fake.currentIndex();
    ConsulTestSupport.Reply reply =
        put(
            fake,
            "/v1/txn",
            "["
                + "{\"KV\":{\"Verb\":\"get\",\"Key\":\"r/a\"}},{\"KV\":{\"Verb\":\"get-tree\",\"Key\":\"r/\"}}]");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("X-Consul-KnownLeader")).isEqualTo("true");
    JsonNode results = SessionApiTest.json(reply.body()).get("Results");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).get("KV").get("Value").asText()).isEqualTo(b64("A"));
    assertThat(results.get(2).get("KV").get("Key").asText()).isEqualTo("r/b");
    assertThat(fake.currentIndex()).isEqualTo(index);

    ConsulTestSupport.Reply missing =
        put(fake, "/v1/txn", "[{\"KV\":{\"Verb\":\"get\",\"Key\":\"nope\"}}]");
    assertThat(missing.status()).isEqualTo(409);
    assertThat(missing.body()).contains("key \\\"nope\\\" doesn't exist");
  }

  @Test
  void fieldNamesMatchCaseInsensitivelyAsInGo() {
    ConsulTestSupport.Reply reply =
        put(
            fake,
            "/v1/txn",
            "[{\"kv\":{\"verb\":\"set\",\"key\":\"lower\",\"value\":\"" + b64("x") + "\"}}]");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(kv.getValueAsString("lower")).contains("x");
  }

  @Test
  void malformedOrOversizedTransactionsAreRefused() {
    // agent/txn_endpoint.go: undecodable bodies are 400, more than 128 operations 413.
    ConsulTestSupport.Reply garbage = put(fake, "/v1/txn", "{\"not\":\"an array\"}");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.body()).startsWith("Failed to parse body: ");
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i < 129; i++) {
      many.append(i == 0 ? "" : ",")
          .append("{\"KV\":{\"Verb\":\"get\",\"Key\":\"k")
          .append(i)
          .append("\"}}");
    }
    ConsulTestSupport.Reply tooMany = put(fake, "/v1/txn", many.append("]").toString());
    assertThat(tooMany.status()).isEqualTo(413);
    assertThat(tooMany.body()).isEqualTo("Transaction contains too many operations (129 > 128)");
  }

  @Test
  void theWholeBodyIsLimitedToTxnMaxReqLenWithValuesBase64Encoded() {
    // agent/txn_endpoint.go checks the body against txn_max_req_len (512 KiB) before decoding:
    // a value of 384 KiB is under kv_max_value_size, yet base64 makes it 512 KiB on the wire.
    int limit = 512 * 1024;
    String value = b64("v".repeat(384 * 1024 - 3 * 64));
    String head = "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"big\",\"Value\":\"";
    String tail = "\"}}]";
    String padding = " ".repeat(limit - head.length() - value.length() - tail.length());
    String atLimit = padding + head + value + tail;
    assertThat(atLimit).hasSize(limit);

    ConsulTestSupport.Reply over = put(fake, "/v1/txn", " " + atLimit);
    assertThat(over.status()).isEqualTo(413);
    assertThat(over.body())
        .startsWith("Request body(524289 bytes) too large, max size: 524288 bytes.");
    assertThat(kv.getValue("big")).isEmpty();

    ConsulTestSupport.Reply ok = put(fake, "/v1/txn", atLimit);
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(kv.getValue("big").orElseThrow().getValueAsBytes().orElseThrow())
        .hasSize(384 * 1024 - 3 * 64);
  }

  @Test
  void aLargerKvMaxValueSizeRaisesTheBodyLimitAsInConsul() {
    FakeConsul large = FakeConsul.builder().maxValueSize(1024 * 1024).build().start();
    try {
      // Consul uses kv_max_value_size as the txn limit when it is the larger of the two.
      String body =
          "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"big\",\"Value\":\""
              + b64("v".repeat(600 * 1024))
              + "\"}}]";
      assertThat(put(large, "/v1/txn", body).status()).isEqualTo(200);
    } finally {
      large.close();
    }
  }

  private String session() {
    return consul
        .sessionClient()
        .createSession(ImmutableSession.builder().name("txn").build())
        .getId();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
