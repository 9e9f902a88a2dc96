package org.masterha.consul.fake;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The sessions table and its TTL deadlines. Not thread-safe: {@link StateStore} serialises access.
 *
 * <p>Deadlines live here, not in the records, because Consul keeps TTL timers outside its Raft
 * state: a renew changes no index, and timers restart on leader failover (here: restart/restore).
 */
final class SessionStore {

  /**
   * Sorted by ID like Consul's memdb ID index, so /v1/session/list comes back in the same order.
   */
  private final TreeMap<String, SessionRecord> sessions;

  /** Monotonic-clock deadline per TTL session. */
  private final Map<String, Long> deadlines;

  private long tableIndex;

  SessionStore() {
    this(new TreeMap<>(), new HashMap<>(), 0);
  }

  private SessionStore(
      TreeMap<String, SessionRecord> sessions, Map<String, Long> deadlines, long tableIndex) {
    this.sessions = sessions;
    this.deadlines = deadlines;
    this.tableIndex = tableIndex;
  }

  /** A copy of the Raft state only: deadlines are re-armed by whoever restores it. */
  SessionStore copyWithoutTimers() {
    return new SessionStore(new TreeMap<>(sessions), new HashMap<>(), tableIndex);
  }

  long tableIndex() {
    return tableIndex;
  }

  SessionRecord get(String id) {
    return sessions.get(id);
  }

  boolean contains(String id) {
    return sessions.containsKey(id);
  }

  List<SessionRecord> list() {
    return new ArrayList<>(sessions.values());
  }

  void create(SessionRecord s, long deadlineNanosOrZero) {
    sessions.put(s.id(), s);
    tableIndex = s.modifyIndex();
    if (s.ttlNanos() > 0) {
      deadlines.put(s.id(), deadlineNanosOrZero);
    }
  }

  SessionRecord remove(long idx, String id) {
    SessionRecord s = sessions.remove(id);
    deadlines.remove(id);
    if (s != null) {
      tableIndex = idx;
    }
    return s;
  }

  void setDeadline(String id, long deadline) {
    if (sessions.containsKey(id) && sessions.get(id).ttlNanos() > 0) {
      deadlines.put(id, deadline);
    }
  }

  /** Sessions whose deadline has passed at {@code now}, in ID order for a deterministic reap. */
  List<String> expired(long now) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : new TreeMap<>(deadlines).entrySet()) {
      if (now - e.getValue() >= 0) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  OptionalLong earliestDeadline() {
    return deadlines.values().stream().mapToLong(Long::longValue).min();
  }

  int size() {
    return sessions.size();
  }
}
