package org.masterha.consul.fake;

import java.util.Arrays;
import java.util.Objects;

/**
 * One KV pair as Consul's {@code structs.DirEntry}: immutable, so the store can hand entries out
 * and copy its maps for snapshots and transaction rollback without deep copies.
 *
 * @param value {@code null} when the key was written with an empty body (Consul stores a nil slice
 *     and answers {@code "Value": null}); never a shared mutable array
 * @param flags Consul's opaque uint64, kept in a long and printed unsigned
 * @param session the lock holder's session ID, or {@code null} when the lock is not held
 */
record KvEntry(
    String key,
    byte[] value,
    long flags,
    long lockIndex,
    String session,
    long createIndex,
    long modifyIndex) {

  KvEntry {
    value = value == null ? null : value.clone();
  }

  @Override
  public byte[] value() {
    return value == null ? null : value.clone();
  }

  /** The bytes without a defensive copy, for serialisation inside this package. */
  byte[] valueUnsafe() {
    return value;
  }

  boolean heldBy(String sessionId) {
    return session != null && session.equals(sessionId);
  }

  /**
   * Consul's {@code DirEntry.Equal}: what a write compares to decide it changes nothing (and so
   * must not bump {@code ModifyIndex} nor wake blocking queries). Indexes are not compared.
   */
  boolean sameContent(KvEntry o) {
    return lockIndex == o.lockIndex
        && key.equals(o.key)
        && flags == o.flags
        && Arrays.equals(value, o.value)
        && Objects.equals(session, o.session);
  }

  KvEntry withSession(String newSession) {
    return new KvEntry(key, value, flags, lockIndex, newSession, createIndex, modifyIndex);
  }

  KvEntry withModifyIndex(long idx) {
    return new KvEntry(key, value, flags, lockIndex, session, createIndex, idx);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvEntry e
        && sameContent(e)
        && createIndex == e.createIndex
        && modifyIndex == e.modifyIndex;
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Long.hashCode(modifyIndex);
  }

  @Override
  public String toString() {
    return "KvEntry["
        + key
        + ", flags="
        + flags
        + ", lockIndex="
        + lockIndex
        + ", session="
        + session
        + ", createIndex="
        + createIndex
        + ", modifyIndex="
        + modifyIndex
        + "]";
  }
}
