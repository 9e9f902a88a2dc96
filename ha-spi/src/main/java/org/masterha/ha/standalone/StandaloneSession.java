package org.masterha.ha.standalone;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.SessionEvents;
import org.masterha.ha.state.State;

/**
 * A session on the in-memory store. {@link #expire()} simulates the store expiring it, for tests.
 */
public final class StandaloneSession implements HaSession {
  private static final AtomicLong IDS = new AtomicLong();

  private final HaConfig config;
  private final InMemoryStore store;
  private final Map<String, StandaloneGroup> groups = new ConcurrentHashMap<>();
  private volatile String id = "standalone-" + IDS.incrementAndGet();
  private volatile boolean closed;
  private final SessionEvents events;

  StandaloneSession(HaConfig config, InMemoryStore store) {
    this.config = config;
    this.store = store;
    this.events = new SessionEvents(config.observer().session(backend(), config.basePath()));
    // The in-memory store has no connection to lose: the session is live from the start.
    events.connectionState(ConnectionState.CONNECTED);
  }

  @Override
  public String backend() {
    return "standalone";
  }

  @Override
  public HaConfig config() {
    return config;
  }

  @Override
  public Group group(String relativePath) {
    String path = GroupPaths.resolve(config.basePath(), relativePath);
    if (closed) {
      throw new SessionClosedException("session " + id + " is closed");
    }
    return groups.computeIfAbsent(path, p -> new StandaloneGroup(this, store, p));
  }

  @Override
  public State state(Optional<Candidacy> fence) {
    if (closed) {
      throw new SessionClosedException("session " + id + " is closed");
    }
    return new StandaloneState(store, config.basePath(), fence);
  }

  @Override
  public SessionEvents sessionEvents() {
    return events;
  }

  @Override
  public String sessionId() {
    return id;
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * As if the store expired this session: its members are deleted and their {@code cancelled}
   * completes with false. The session goes on with a new id, as a ZooKeeper client does after
   * expiry.
   */
  public void expire() {
    runOnStore(
        () -> {
          events.connectionState(ConnectionState.LOST);
          groups.values().forEach(g -> g.watchers().lostAll());
          id = "standalone-" + IDS.incrementAndGet();
          store.removeAll(this).forEach(store::notifyChanged);
          events.connectionState(ConnectionState.CONNECTED);
        });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    runOnStore(
        () -> {
          closed = true;
          events.connectionState(ConnectionState.CLOSED);
          SessionClosedException cause = new SessionClosedException("session " + id + " is closed");
          groups.values().forEach(g -> g.watchers().close(cause));
          List<String> changed = store.removeAll(this);
          groups.forEach((path, g) -> store.unlisten(path, g));
          changed.forEach(store::notifyChanged);
        });
  }

  /** Runs on the store's event thread and waits, so the change is visible when this returns. */
  private void runOnStore(Runnable task) {
    CountDownLatch done = new CountDownLatch(1);
    store.execute(
        () -> {
          try {
            task.run();
          } finally {
            done.countDown();
          }
        });
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "StandaloneSession[" + id + ", " + config.basePath() + "]";
  }
}
