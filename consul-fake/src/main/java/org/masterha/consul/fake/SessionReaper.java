package org.masterha.consul.fake;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * The leader's session TTL timers: a daemon thread that sleeps until the earliest deadline and
 * invalidates whatever has expired. With a {@link ManualClock} the sleeps are a short real-time
 * poll and the clock's advance listener reaps immediately.
 */
final class SessionReaper implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(FakeConsul.class.getName());
  private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final StateStore store;
  private final Thread thread;
  private volatile boolean closed;

  SessionReaper(StateStore store, String name) {
    this.store = store;
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void loop() {
    while (!closed) {
      try {
        store.reapExpired();
        store.awaitReapWork(MAX_SLEEP_NANOS);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "FakeConsul: session reaper failed, carrying on", e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
