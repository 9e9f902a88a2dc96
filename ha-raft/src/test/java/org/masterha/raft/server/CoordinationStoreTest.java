package org.masterha.raft.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.masterha.raft.server.Wire.Op;

/** The replicated state's rules, applied directly: what every peer does with each log entry. */
class CoordinationStoreTest {
  private final CoordinationStore store = new CoordinationStore();
  private long index;

  private Wire.In apply(long term, Wire.Out command) {
    return new Wire.In(store.apply(++index, term, command.toBytes()).reply());
  }

  private long open() {
    return apply(1, new Wire.Out().op(Op.OPEN_SESSION).i64(3000)).i64();
  }

  private long join(long session, long nonce, String path) {
    Wire.In in =
        apply(
            1,
            new Wire.Out()
                .op(Op.JOIN)
                .i64(session)
                .i64(nonce)
                .str(path)
                .optStr(Optional.of("json.info"))
                .blob(new byte[] {1}));
    assertThat(in.u8()).isEqualTo(Wire.OK);
    return in.i64();
  }

  @Test
  void sequencesNeverRepeatOnAPathEvenAfterItsMembersAreGoneOrWiped() {
    long a = open();
    assertThat(join(a, 1, "/m")).isEqualTo(0);
    assertThat(join(a, 2, "/m")).isEqualTo(1);
    apply(1, new Wire.Out().op(Op.CLOSE_SESSION).i64(a));
    long b = open();
    assertThat(join(b, 1, "/m")).isEqualTo(2);
    apply(1, new Wire.Out().op(Op.WIPE).str("/m"));
    assertThat(join(b, 2, "/m")).isEqualTo(3);
    assertThat(join(b, 3, "/other")).isEqualTo(0);
  }

  @Test
  void aJoinSentAgainFindsItsOwnMember() {
    long a = open();
    long first = join(a, 7, "/m");
    assertThat(join(a, 7, "/m")).isEqualTo(first);
    Wire.In listing = new Wire.In(store.listing("/m"));
    listing.i64();
    assertThat(listing.i64()).isEqualTo(first);
    assertThat(listing.i32()).isEqualTo(1);
  }

  @Test
  void anExpiryDecidedInAnotherTermOrBeforeTheLastKeepAliveChangesNothing() {
    long a = open();
    join(a, 1, "/m");
    long renewed = index;
    // Decided in term 1 but appended in term 2: a deposed leader's decision, re-sent.
    assertThat(apply(2, new Wire.Out().op(Op.EXPIRE_SESSION).i64(a).i64(a).i64(1)).bool())
        .isFalse();
    assertThat(apply(2, new Wire.Out().op(Op.KEEP_ALIVE).i64(a)).bool()).isTrue();
    renewed = index;
    // Judged by a keep-alive older than the last one applied.
    assertThat(apply(2, new Wire.Out().op(Op.EXPIRE_SESSION).i64(a).i64(renewed - 1).i64(2)).bool())
        .isFalse();
    assertThat(store.sessions()).containsKey(a);
    assertThat(apply(2, new Wire.Out().op(Op.EXPIRE_SESSION).i64(a).i64(renewed).i64(2)).bool())
        .isTrue();
    assertThat(store.sessions()).doesNotContainKey(a);
    Wire.In listing = new Wire.In(store.listing("/m"));
    listing.i64();
    listing.i64();
    assertThat(listing.i32()).isZero();
    assertThat(apply(2, new Wire.Out().op(Op.KEEP_ALIVE).i64(a)).bool()).isFalse();
  }

  @Test
  void aFencedWriteNeedsTheMemberAndAVersionMatch() {
    long a = open();
    long seq = join(a, 1, "/m");
    Wire.Out store1 =
        new Wire.Out()
            .op(Op.STORE)
            .str("/m")
            .str("x")
            .i64(0)
            .blob(new byte[] {9})
            .bool(true)
            .str("/m")
            .i64(seq)
            .str("json.info_0000000000");
    Wire.In ok = apply(1, store1);
    assertThat(ok.u8()).isEqualTo(Wire.OK);
    long version = ok.i64();
    assertThat(version).isEqualTo(index);
    // Same expected version again: a conflict.
    Wire.Out again =
        new Wire.Out().op(Op.STORE).str("/m").str("x").i64(0).blob(new byte[] {8}).bool(false);
    assertThat(apply(1, again).u8()).isEqualTo(Wire.CONFLICT);
    apply(1, new Wire.Out().op(Op.CLOSE_SESSION).i64(a));
    Wire.Out deposed =
        new Wire.Out()
            .op(Op.STORE)
            .str("/m")
            .str("x")
            .i64(version)
            .blob(new byte[] {7})
            .bool(true)
            .str("/m")
            .i64(seq)
            .str("json.info_0000000000");
    assertThat(apply(1, deposed).u8()).isEqualTo(Wire.FENCED);
    Wire.In fetched = new Wire.In(store.fetch("/m", "x"));
    assertThat(fetched.i64()).isEqualTo(version);
    assertThat(fetched.blob()).containsExactly(9);
  }

  @Test
  void aSnapshotRestoresEverything() throws Exception {
    long a = open();
    join(a, 1, "/m");
    join(a, 2, "/m/log_replicas");
    apply(
        1, new Wire.Out().op(Op.STORE).str("/m").str("v").i64(0).blob(new byte[] {5}).bool(false));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    store.save(new DataOutputStream(bytes));
    CoordinationStore copy = new CoordinationStore();
    copy.load(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(copy.listing("/m")).isEqualTo(store.listing("/m"));
    assertThat(copy.listing("/m/log_replicas")).isEqualTo(store.listing("/m/log_replicas"));
    assertThat(copy.fetch("/m", "v")).isEqualTo(store.fetch("/m", "v"));
    assertThat(copy.names("/m")).isEqualTo(store.names("/m"));
    assertThat(copy.sessions().keySet()).containsExactly(a);
  }
}
