package org.masterha.consul.fake;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The fake's whole replicated state, behind one lock: the KV table, the sessions table, the
 * lock-delay table and the Raft-like index that orders every write.
 *
 * <p>Why one lock: Consul applies writes one Raft log entry at a time, so serialising them is the
 * faithful model, and it makes transactions and session invalidation atomic for free.
 *
 * <p>Every accepted write takes the next index ({@link #write(LongFunction)}) even when it ends up
 * changing nothing (a failed CAS, a refused acquire), as a Raft log entry would. Tables only record
 * the index of writes that changed them, which is what reads report in X-Consul-Index. Writes
 * signal {@link #changed}, on which blocking queries wait (see {@link BlockingQuery}).
 */
final class StateStore {

  private static final System.Logger LOG = System.getLogger(FakeConsul.class.getName());

  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled after every write, restore or stop: blocking queries re-evaluate. */
  private final Condition changed = lock.newCondition();

  /** Signalled when TTL deadlines move earlier, so the reaper re-plans its sleep. */
  private final Condition timersChanged = lock.newCondition();

  private final FakeClock clock;

  /**
   * Raft index 1 is the log's bootstrap entry, never a user write: reads of empty tables report
   * index 1 (blocking.mdx: "always safe to use an index of 1"), so the first write must be above
   * it.
   */
  static final long BOOTSTRAP_INDEX = 1;

  private long raftIndex = BOOTSTRAP_INDEX;
  private KvStore kv = new KvStore();
  private SessionStore sessions = new SessionStore();
  private final LockDelays lockDelays = new LockDelays();

  /**
   * How long past its TTL a session lives: Consul allows up to 2x (structs.SessionTTLMultiplier).
   */
  private volatile double reapMultiplier;

  /** Bumped by every stop; a waiter that sees it change was cut off by a "crash". */
  private long epoch;

  private boolean running;

  /** Blocking queries currently waiting for a change: lets tests wait until one is parked. */
  private int blockedQueries;

  StateStore(FakeClock clock, double reapMultiplier) {
    this.clock = clock;
    this.reapMultiplier = reapMultiplier;
  }

  // ---- access under the lock -------------------------------------------------------------

  /** Runs a read under the lock. */
  <T> T read(Supplier<T> fn) {
    lock.lock();
    try {
      return fn.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs a write at the next Raft index and wakes blocking queries. The index is consumed even if
   * {@code fn} throws, as Consul's Raft log keeps an entry whose FSM apply returned an error.
   */
  <T> T write(LongFunction<T> fn) {
    lock.lock();
    try {
      long idx = ++raftIndex;
      try {
        return fn.apply(idx);
      } finally {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  KvStore kv() {
    assert lock.isHeldByCurrentThread();
    return kv;
  }

  /** Commits a transaction's scratch copy of the KV table. */
  void commitKv(KvStore next) {
    assert lock.isHeldByCurrentThread();
    kv = next;
  }

  SessionStore sessions() {
    assert lock.isHeldByCurrentThread();
    return sessions;
  }

  LockDelays lockDelays() {
    assert lock.isHeldByCurrentThread();
    return lockDelays;
  }

  long now() {
    return clock.nanoTime();
  }

  long raftIndex() {
    return read(() -> raftIndex);
  }

  // ---- sessions ------------------------------------------------------------------------------

  void setReapMultiplier(double multiplier) {
    this.reapMultiplier = multiplier;
  }

  /** Creates a validated session at the next index and arms its TTL timer. */
  SessionRecord createSession(
      String name,
      String node,
      long lockDelayNanos,
      String behavior,
      String ttl,
      long ttlNanos,
      List<String> nodeChecks) {
    return write(
        idx -> {
          String id;
          do {
            id = UUID.randomUUID().toString();
          } while (sessions.contains(id));
          SessionRecord s =
              new SessionRecord(
                  id, name, node, lockDelayNanos, behavior, ttl, ttlNanos, nodeChecks, idx, idx);
          sessions.create(s, deadlineFor(s));
          timersChanged.signalAll();
          return s;
        });
  }

  /** Renews a TTL session; null when it does not exist. A renew is not a Raft write. */
  SessionRecord renewSession(String id) {
    lock.lock();
    try {
      SessionRecord s = sessions.get(id);
      if (s != null) {
        sessions.setDeadline(id, deadlineFor(s));
      }
      return s;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Destroys a session (a Raft write even when it does not exist, which Consul answers true to).
   */
  void destroySession(String id) {
    write(
        idx -> {
          SessionRecord s = sessions.remove(idx, id);
          if (s != null) {
            invalidateLocked(idx, s);
            LOG.log(Level.DEBUG, "FakeConsul: session {0} destroyed", id);
          }
          return null;
        });
  }

  /** Invalidates a session now, exactly as an expired TTL would. False if it did not exist. */
  boolean expireSession(String id, String why) {
    lock.lock();
    try {
      if (!sessions.contains(id)) {
        return false;
      }
      write(
          idx -> {
            invalidateLocked(idx, sessions.remove(idx, id));
            return null;
          });
      LOG.log(Level.INFO, "FakeConsul: session {0} invalidated ({1})", id, why);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The effect of invalidation on held locks, at the invalidating write's index: release clears
   * Session (LockIndex kept, ModifyIndex bumped), delete removes the key; either way the key gets
   * the session's lock-delay.
   */
  private void invalidateLocked(long idx, SessionRecord s) {
    long now = clock.nanoTime();
    for (String key : kv.heldBy(s.id())) {
      if (SessionRecord.DELETE.equals(s.behavior())) {
        kv.delete(idx, key);
      } else {
        kv.releaseHeld(idx, key);
      }
      lockDelays.set(key, now, s.lockDelayNanos());
    }
  }

  /** Invalidates every TTL session whose deadline has passed; returns how many. */
  int reapExpired() {
    lock.lock();
    try {
      if (!running) {
        return 0; // a stopped server reaps nothing; timers restart on start
      }
      List<String> due = sessions.expired(clock.nanoTime());
      for (String id : due) {
        expireSession(id, "TTL expired");
      }
      return due.size();
    } finally {
      lock.unlock();
    }
  }

  /** Sleeps until the earliest TTL deadline may have passed (at most {@code maxWaitNanos}). */
  void awaitReapWork(long maxWaitNanos) throws InterruptedException {
    lock.lock();
    try {
      OptionalLong earliest = sessions.earliestDeadline();
      long wait = maxWaitNanos;
      if (running && earliest.isPresent()) {
        wait = Math.min(wait, Math.max(0, earliest.getAsLong() - clock.nanoTime()));
      }
      if (wait > 0) {
        timersChanged.awaitNanos(wait);
      }
    } finally {
      lock.unlock();
    }
  }

  private long deadlineFor(SessionRecord s) {
    return clock.nanoTime() + (long) (s.ttlNanos() * reapMultiplier);
  }

  /** Consul renews every TTL on leader election; a fake restart or restore is one. */
  private void rearmTimersLocked() {
    for (SessionRecord s : sessions.list()) {
      sessions.setDeadline(s.id(), deadlineFor(s));
    }
    timersChanged.signalAll();
  }

  // ---- lifecycle, snapshots and faults ----------------------------------------------------------

  void markRunning() {
    lock.lock();
    try {
      running = true;
      // Like a Consul server coming back: TTLs restart, in-memory lock-delays are gone.
      lockDelays.clear();
      rearmTimersLocked();
    } finally {
      lock.unlock();
    }
  }

  void markStopped() {
    lock.lock();
    try {
      running = false;
      epoch++;
      changed.signalAll();
      timersChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void wipe() {
    lock.lock();
    try {
      kv = new KvStore();
      sessions = new SessionStore();
      lockDelays.clear();
      raftIndex = BOOTSTRAP_INDEX;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  FakeConsul.Snapshot snapshot() {
    lock.lock();
    try {
      return new FakeConsul.Snapshot(kv.copy(), sessions.copyWithoutTimers(), raftIndex);
    } finally {
      lock.unlock();
    }
  }

  /** Replaces the state with an older (or newer) snapshot: the index jumps to the snapshot's. */
  void restore(FakeConsul.Snapshot snapshot) {
    lock.lock();
    try {
      kv = snapshot.kv().copy();
      sessions = snapshot.sessions().copyWithoutTimers();
      raftIndex = snapshot.raftIndex();
      lockDelays.clear();
      rearmTimersLocked();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  int reapTombstones() {
    return write(idx -> kv.reapTombstones());
  }

  // ---- blocking-query support (used by BlockingQuery) -----------------------------------------

  long currentEpoch() {
    assert lock.isHeldByCurrentThread();
    if (!running) {
      throw new FakeConsulStopped();
    }
    return epoch;
  }

  void checkEpoch(long expected) {
    assert lock.isHeldByCurrentThread();
    if (!running || epoch != expected) {
      throw new FakeConsulStopped();
    }
  }

  /** Waits for a write (or stop) for at most the given time; returns the time left. */
  long awaitChange(long nanos) throws InterruptedException {
    assert lock.isHeldByCurrentThread();
    blockedQueries++;
    try {
      return changed.awaitNanos(nanos);
    } finally {
      blockedQueries--;
    }
  }

  int blockedQueries() {
    return read(() -> blockedQueries);
  }

  void lock() {
    lock.lock();
  }

  void unlock() {
    lock.unlock();
  }
}
