package org.masterha.consul.fake;

import java.util.HashMap;
import java.util.Map;

/**
 * Consul's lock-delay table: after a session holding a lock is invalidated (TTL, destroy, or any
 * other invalidation), nobody may acquire that key until the session's lock-delay has passed. An
 * explicit {@code ?release=} sets no delay. Like Consul's, this table is in memory only and is not
 * part of the Raft state, so a restart forgets it. Not thread-safe: guarded by {@link StateStore}.
 */
final class LockDelays {

  /** Consul caps lock-delay at 60s ({@code structs.MaxLockDelay}). */
  static final long MAX_NANOS = 60_000_000_000L;

  private final Map<String, Long> until = new HashMap<>();

  void set(String key, long now, long delayNanos) {
    if (delayNanos <= 0) {
      return;
    }
    until.put(key, now + Math.min(delayNanos, MAX_NANOS));
  }

  boolean blocks(String key, long now) {
    Long deadline = until.get(key);
    if (deadline == null) {
      return false;
    }
    if (now - deadline >= 0) {
      until.remove(key);
      return false;
    }
    return true;
  }

  void clear() {
    until.clear();
  }
}
