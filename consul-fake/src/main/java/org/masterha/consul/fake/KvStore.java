package org.masterha.consul.fake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The KV table and its tombstones, with the write rules of Consul's state store ({@code
 * agent/consul/state/kvs.go}). Not thread-safe: {@link StateStore} serialises all access.
 *
 * <p>Every mutating method takes the Raft index {@code idx} the write is applied at. Tombstones
 * record the index at which a key was deleted, so that a recursive read's index (the highest
 * ModifyIndex under the prefix) does not slide backwards when the newest key is deleted, and a
 * blocking recursive query wakes on deletions. Like Consul, tombstones stay until reaped ({@link
 * #reapTombstones()}, Consul's tombstone GC), after which a prefix index may go backwards.
 */
final class KvStore {

  private final TreeMap<String, KvEntry> entries;
  private final TreeMap<String, Long> tombstones;

  /** The max index of the kvs and tombstones tables: bumped by every effective KV write. */
  private long tableIndex;

  KvStore() {
    this(new TreeMap<>(), new TreeMap<>(), 0);
  }

  private KvStore(
      TreeMap<String, KvEntry> entries, TreeMap<String, Long> tombstones, long tableIndex) {
    this.entries = entries;
    this.tombstones = tombstones;
    this.tableIndex = tableIndex;
  }

  /** A copy for snapshots and transaction rollback; entries are immutable so this is shallow. */
  KvStore copy() {
    return new KvStore(new TreeMap<>(entries), new TreeMap<>(tombstones), tableIndex);
  }

  long tableIndex() {
    return tableIndex;
  }

  KvEntry get(String key) {
    return entries.get(key);
  }

  /** Index of a single-key read: the key's ModifyIndex, else the table index (Consul's KVS.Get). */
  long readIndex(String key) {
    KvEntry e = entries.get(key);
    return e != null ? e.modifyIndex() : tableIndex;
  }

  List<KvEntry> list(String prefix) {
    return new ArrayList<>(subtree(entries, prefix).values());
  }

  /**
   * Index of a prefix read (Consul's kvsListTxn): the highest ModifyIndex under the prefix or of a
   * tombstone under it; the whole table's index for the empty prefix or an empty subtree.
   */
  long listIndex(String prefix) {
    if (prefix.isEmpty()) {
      return tableIndex;
    }
    long max = 0;
    for (KvEntry e : subtree(entries, prefix).values()) {
      max = Math.max(max, e.modifyIndex());
    }
    for (long t : subtree(tombstones, prefix).values()) {
      max = Math.max(max, t);
    }
    return max != 0 ? max : tableIndex;
  }

  /** Keys under a prefix, folded at the first separator after the prefix (Consul's KVSListKeys). */
  List<String> keys(String prefix, String separator) {
    List<String> out = new ArrayList<>();
    String previous = null;
    for (String key : subtree(entries, prefix).keySet()) {
      if (separator == null || separator.isEmpty()) {
        out.add(key);
        continue;
      }
      int at = key.indexOf(separator, prefix.length());
      if (at < 0) {
        out.add(key);
      } else {
        String folded = key.substring(0, at + separator.length());
        if (!folded.equals(previous)) {
          out.add(folded);
          previous = folded;
        }
      }
    }
    return out;
  }

  /** Plain set: keeps an existing lock holder (a write without ?acquire ignores locks). */
  KvEntry set(long idx, String key, byte[] value, long flags) {
    KvEntry existing = entries.get(key);
    KvEntry next =
        new KvEntry(
            key,
            value,
            flags,
            existing == null ? 0 : existing.lockIndex(),
            existing == null ? null : existing.session(),
            existing == null ? idx : existing.createIndex(),
            idx);
    return put(existing, next);
  }

  /** Check-and-set: 0 means "only if absent", otherwise the key's ModifyIndex must match. */
  KvEntry cas(long idx, String key, byte[] value, long flags, long casIndex) {
    KvEntry existing = entries.get(key);
    if (casIndex == 0 && existing != null) {
      return null;
    }
    if (casIndex != 0 && (existing == null || existing.modifyIndex() != casIndex)) {
      return null;
    }
    return set(idx, key, value, flags);
  }

  /**
   * Lock acquisition for a session the caller has verified exists. The holder re-acquiring only
   * updates the contents; a free key gets the session and LockIndex + 1; a key held by another
   * session is refused ({@code null}).
   */
  KvEntry lock(long idx, String key, byte[] value, long flags, String session) {
    KvEntry existing = entries.get(key);
    long lockIndex;
    long createIndex;
    if (existing == null) {
      lockIndex = 1;
      createIndex = idx;
    } else if (existing.heldBy(session)) {
      lockIndex = existing.lockIndex();
      createIndex = existing.createIndex();
    } else if (existing.session() != null) {
      return null;
    } else {
      lockIndex = existing.lockIndex() + 1;
      createIndex = existing.createIndex();
    }
    return put(existing, new KvEntry(key, value, flags, lockIndex, session, createIndex, idx));
  }

  /** Release by the holder: Session cleared, LockIndex kept, contents replaced by the request's. */
  KvEntry unlock(long idx, String key, byte[] value, long flags, String session) {
    KvEntry existing = entries.get(key);
    if (existing == null || !existing.heldBy(session)) {
      return null;
    }
    return put(
        existing,
        new KvEntry(key, value, flags, existing.lockIndex(), null, existing.createIndex(), idx));
  }

  /** Deletes one key; a missing key is a no-op (no tombstone, no index change). */
  boolean delete(long idx, String key) {
    KvEntry existing = entries.remove(key);
    if (existing == null) {
      return false;
    }
    tombstones.put(key, idx);
    tableIndex = idx;
    return true;
  }

  /**
   * CAS delete, Consul's kvsDeleteCASTxn: true if deleted, and also true when the key does not
   * exist at all (nothing to protect); false when the key exists with another ModifyIndex.
   */
  boolean deleteCas(long idx, String key, long casIndex) {
    KvEntry existing = entries.get(key);
    if (existing == null) {
      return true;
    }
    if (existing.modifyIndex() != casIndex) {
      return false;
    }
    return delete(idx, key);
  }

  void deleteTree(long idx, String prefix) {
    List<String> doomed = new ArrayList<>(subtree(entries, prefix).keySet());
    for (String key : doomed) {
      entries.remove(key);
      tombstones.put(key, idx);
    }
    if (!doomed.isEmpty()) {
      tableIndex = idx;
    }
  }

  /** Keys whose lock the given session holds, in key order. */
  List<String> heldBy(String session) {
    List<String> out = new ArrayList<>();
    for (KvEntry e : entries.values()) {
      if (e.heldBy(session)) {
        out.add(e.key());
      }
    }
    return out;
  }

  /**
   * Session invalidation with behavior=release: clears Session, keeps LockIndex, bumps ModifyIndex.
   */
  void releaseHeld(long idx, String key) {
    KvEntry existing = entries.get(key);
    if (existing != null) {
      put(existing, existing.withSession(null).withModifyIndex(idx));
    }
  }

  /** Consul's tombstone GC: forgets deletions, so a prefix's index may drop back. */
  int reapTombstones() {
    int n = tombstones.size();
    tombstones.clear();
    return n;
  }

  int size() {
    return entries.size();
  }

  /** Stores {@code next} unless it changes nothing (then Consul keeps the old ModifyIndex). */
  private KvEntry put(KvEntry existing, KvEntry next) {
    if (existing != null && existing.sameContent(next)) {
      return existing;
    }
    entries.put(next.key(), next);
    tableIndex = next.modifyIndex();
    return next;
  }

  /** The keys starting with {@code prefix}: a contiguous run in key order. */
  private static <V> NavigableMap<String, V> subtree(TreeMap<String, V> map, String prefix) {
    if (prefix.isEmpty()) {
      return map;
    }
    TreeMap<String, V> out = new TreeMap<>();
    for (Map.Entry<String, V> e : map.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }
}
