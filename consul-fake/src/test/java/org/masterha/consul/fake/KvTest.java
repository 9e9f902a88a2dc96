package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.consul.fake.ConsulTestSupport.get;
import static org.masterha.consul.fake.ConsulTestSupport.put;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.option.ImmutableDeleteOptions;
import org.kiwiproject.consul.option.ImmutablePutOptions;

/** The /v1/kv endpoint (kv.mdx), through the real client where it has the call. */
class KvTest {

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
  void putThenGetAndMissingKeyIs404() {
    // kv.mdx: "If no key exists at the given path, a 404 is returned"; values are base64 in JSON.
    assertThat(kv.getValue("config/db")).isEmpty();
    ConsulTestSupport.Reply missing = get(fake, "/v1/kv/config/db");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body()).isEmpty();

    assertThat(kv.putValue("config/db", "postgres://x")).isTrue();
    Value v = kv.getValue("config/db").orElseThrow();
    assertThat(v.getKey()).isEqualTo("config/db");
    assertThat(v.getValueAsString(StandardCharsets.UTF_8)).contains("postgres://x");
    assertThat(v.getFlags()).isZero();
    assertThat(v.getLockIndex()).isZero();
    assertThat(v.getSession()).isEmpty();
    assertThat(v.getCreateIndex()).isEqualTo(v.getModifyIndex()).isPositive();
  }

  @Test
  void indexesComeFromOneGlobalIndexThatGrowsOnEveryWrite() {
    // kv.mdx: CreateIndex is when the entry was created, ModifyIndex the last index that modified
    // it.
    kv.putValue("a", "1");
    kv.putValue("b", "1");
    kv.putValue("a", "2");
    Value a = kv.getValue("a").orElseThrow();
    Value b = kv.getValue("b").orElseThrow();
    // Index 1 is Raft's bootstrap entry, so user writes start at 2.
    assertThat(a.getCreateIndex()).isEqualTo(2);
    assertThat(b.getCreateIndex()).isEqualTo(3);
    assertThat(a.getModifyIndex()).isEqualTo(4);
    assertThat(fake.currentIndex()).isEqualTo(4);
  }

  @Test
  void rewritingTheSameContentKeepsTheModifyIndex() {
    // state/kvs.go kvsSetTxn: a set that changes nothing leaves the entry (and its index) alone.
    kv.putValue("k", "same");
    long before = kv.getValue("k").orElseThrow().getModifyIndex();
    kv.putValue("k", "same");
    assertThat(kv.getValue("k").orElseThrow().getModifyIndex()).isEqualTo(before);
    kv.putValue("k", "different");
    assertThat(kv.getValue("k").orElseThrow().getModifyIndex()).isGreaterThan(before);
  }

  @Test
  void anEmptyBodyStoresANullValue() {
    // Consul stores an empty PUT body as a nil slice and answers "Value": null.
    assertThat(put(fake, "/v1/kv/empty", "").status()).isEqualTo(200);
    assertThat(get(fake, "/v1/kv/empty").body()).contains("\"Value\":null");
    assertThat(kv.getValue("empty").orElseThrow().getValue()).isEmpty();
  }

  @Test
  void flagsAreAnOpaqueUnsignedSixtyFourBitNumber() {
    // kv.mdx: flags is an unsigned value between 0 and (2^64)-1.
    kv.putValue("f", "v", -1L);
    assertThat(get(fake, "/v1/kv/f").body()).contains("\"Flags\":18446744073709551615");
    assertThat(kv.getValue("f").orElseThrow().getFlags()).isEqualTo(-1L);
    ConsulTestSupport.Reply bad = put(fake, "/v1/kv/f?flags=x", "v");
    assertThat(bad.status()).isEqualTo(500);
    assertThat(bad.body()).isEqualTo("strconv.ParseUint: parsing \"x\": invalid syntax");
  }

  @Test
  void acquireAndReleaseFollowTheLockRules() {
    // kv.mdx ?acquire/?release and sessions.mdx "K/V Integration".
    String s1 = session();
    String s2 = session();
    assertThat(kv.acquireLock("leader", "m1", s1)).isTrue();
    Value held = kv.getValue("leader").orElseThrow();
    assertThat(held.getSession()).contains(s1);
    assertThat(held.getLockIndex()).isEqualTo(1); // incremented on each successful acquire

    assertThat(kv.acquireLock("leader", "m2", s2)).isFalse(); // held by another session
    assertThat(kv.getValueAsString("leader")).contains("m1");

    // The holder re-acquiring updates the contents without incrementing LockIndex.
    assertThat(kv.acquireLock("leader", "m1-updated", s1)).isTrue();
    Value updated = kv.getValue("leader").orElseThrow();
    assertThat(updated.getValueAsString()).contains("m1-updated");
    assertThat(updated.getLockIndex()).isEqualTo(1);

    assertThat(kv.releaseLock("leader", s2)).isFalse(); // only the holder may release
    assertThat(kv.releaseLock("leader", s1)).isTrue();
    Value released = kv.getValue("leader").orElseThrow();
    assertThat(released.getSession()).isEmpty();
    assertThat(released.getLockIndex()).isEqualTo(1); // release leaves LockIndex unmodified

    assertThat(kv.acquireLock("leader", "m2", s2)).isTrue();
    assertThat(kv.getValue("leader").orElseThrow().getLockIndex()).isEqualTo(2);
  }

  @Test
  void aWriteWithoutAcquireIgnoresTheLockAndKeepsTheHolder() {
    // kv.mdx: "an update that does not include the acquire parameter will proceed normally even if
    // another session has locked the key".
    String s1 = session();
    kv.acquireLock("leader", "m1", s1);
    assertThat(kv.putValue("leader", "overwritten")).isTrue();
    Value v = kv.getValue("leader").orElseThrow();
    assertThat(v.getValueAsString()).contains("overwritten");
    assertThat(v.getSession()).contains(s1);
  }

  @Test
  void acquiringWithAnUnknownSessionIsAServerError() {
    // state/kvs.go kvsLockTxn: "invalid session", an RPC error Consul's HTTP layer answers with
    // 500.
    assertThatThrownBy(() -> kv.acquireLock("leader", "x", "adf4238a-882b-9ddc-4a9d-5b6758e4159e"))
        .isInstanceOfSatisfying(
            ConsulException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(500);
              assertThat(e.getMessage())
                  .contains("invalid session \"adf4238a-882b-9ddc-4a9d-5b6758e4159e\"");
            });
    assertThat(kv.getValue("leader")).isEmpty();
  }

  @Test
  void casZeroCreatesOnlyIfAbsentAndOtherwiseMustMatchTheModifyIndex() {
    // kv.mdx ?cas: "If the index is 0, Consul will only put the key if it does not already exist.
    // If the index is non-zero, the key is only set if the index matches the ModifyIndex of that
    // key."
    assertThat(kv.putValue("c", "1", 0, ImmutablePutOptions.builder().cas(0L).build())).isTrue();
    assertThat(kv.putValue("c", "2", 0, ImmutablePutOptions.builder().cas(0L).build())).isFalse();
    long index = kv.getValue("c").orElseThrow().getModifyIndex();
    assertThat(kv.putValue("c", "3", 0, ImmutablePutOptions.builder().cas(index + 1).build()))
        .isFalse();
    assertThat(kv.putValue("c", "3", 0, ImmutablePutOptions.builder().cas(index).build())).isTrue();
    assertThat(kv.putValue("c", "4", 0, ImmutablePutOptions.builder().cas(index).build()))
        .isFalse();
    assertThat(kv.getValueAsString("c")).contains("3");
    assertThat(kv.putValue("absent", "x", 0, ImmutablePutOptions.builder().cas(5L).build()))
        .isFalse();
  }

  @Test
  void deleteWithCasNeedsTheCurrentModifyIndexAndZeroDeletesNothing() {
    // kv.mdx DELETE ?cas: "Unlike PUT, the index must be greater than 0 for Consul to take any
    // action".
    kv.putValue("d", "1");
    long index = kv.getValue("d").orElseThrow().getModifyIndex();
    assertThat(ConsulTestSupport.delete(fake, "/v1/kv/d?cas=0").body()).isEqualTo("false");
    assertThat(ConsulTestSupport.delete(fake, "/v1/kv/d?cas=" + (index + 7)).body())
        .isEqualTo("false");
    assertThat(kv.getValue("d")).isPresent();
    kv.deleteKey("d", ImmutableDeleteOptions.builder().cas(index).build());
    assertThat(kv.getValue("d")).isEmpty();
  }

  @Test
  void recurseListsAPrefixInKeyOrderAndDeleteRecurseRemovesIt() {
    // kv.mdx ?recurse: the key is treated as a prefix.
    kv.putValue("app/b", "2");
    kv.putValue("app/a", "1");
    kv.putValue("app/c/d", "3");
    kv.putValue("apple", "x");
    assertThat(kv.getValues("app/"))
        .extracting(Value::getKey)
        .containsExactly("app/a", "app/b", "app/c/d");
    assertThat(kv.getValues("nothing/"))
        .isEmpty(); // 404 for an empty prefix, empty list in the client

    kv.deleteKeys("app/");
    assertThat(kv.getValues("app/")).isEmpty();
    assertThat(kv.getValue("apple")).isPresent();
  }

  @Test
  void keysListsNamesAndFoldsAtTheSeparator() {
    // kv.mdx ?keys with ?separator: listing /web/ with "/" gives ["/web/bar", "/web/foo",
    // "/web/subdir/"].
    kv.putValue("web/foo", "1");
    kv.putValue("web/bar", "1");
    kv.putValue("web/subdir/x", "1");
    kv.putValue("web/subdir/y", "1");
    assertThat(kv.getKeys("web/", "/")).containsExactly("web/bar", "web/foo", "web/subdir/");
    assertThat(kv.getKeys("web/"))
        .containsExactly("web/bar", "web/foo", "web/subdir/x", "web/subdir/y");
    assertThat(get(fake, "/v1/kv/none/?keys").status()).isEqualTo(404);
    ConsulTestSupport.Reply root = get(fake, "/v1/kv/?keys&separator=/");
    assertThat(root.status()).isEqualTo(200);
    assertThat(root.body()).isEqualTo("[\"web/\"]");
  }

  @Test
  void rawAnswersTheBareValueAsPlainText() {
    // kv.mdx ?raw: "the response is not application/json, but is instead text/plain".
    kv.putValue("blob", "\u0001binary\u00ff");
    ConsulTestSupport.Reply raw = get(fake, "/v1/kv/blob?raw");
    assertThat(raw.status()).isEqualTo(200);
    assertThat(raw.header("Content-Type")).isEqualTo("text/plain");
    assertThat(raw.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(raw.body()).isEqualTo("\u0001binary\u00ff");
  }

  @Test
  void requestErrorsUseConsulsCodesAndTexts() {
    // agent/kvs_endpoint.go: missing key name and conflicting flags are 400s.
    assertThat(get(fake, "/v1/kv/").status()).isEqualTo(400);
    assertThat(get(fake, "/v1/kv/").body()).isEqualTo("Missing key name");
    ConsulTestSupport.Reply conflicting = put(fake, "/v1/kv/k?cas=0&acquire=x", "v");
    assertThat(conflicting.status()).isEqualTo(400);
    assertThat(conflicting.body()).isEqualTo("Conflicting flags: acquire=x&cas=0");
    assertThat(ConsulTestSupport.send(fake, "POST", "/v1/kv/k", "v").status()).isEqualTo(405);
    ConsulTestSupport.Reply tooBig = put(fake, "/v1/kv/big", "x".repeat(512 * 1024 + 1));
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.body())
        .startsWith("Request body(524289 bytes) too large, max size: 524288 bytes.");
  }

  private String session() {
    return consul
        .sessionClient()
        .createSession(ImmutableSession.builder().name("kv-test").build())
        .getId();
  }
}
