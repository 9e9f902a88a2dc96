package org.masterha.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Observers that count themselves once they see a wanted leader: {@link #arm} says which leader is
 * wanted from now on, {@link #await} waits until every observer (or the first) has seen one, and
 * {@link #first()} and {@link #last()} are the {@link System#nanoTime()} of the first and last
 * sighting.
 */
final class ObserverSet implements AutoCloseable {
  private final List<AutoCloseable> handles = new ArrayList<>();
  private final List<Watcher> watchers = new ArrayList<>();
  private final Object changed = new Object();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong first = new AtomicLong();
  private final AtomicLong last = new AtomicLong();
  private volatile Predicate<String> wanted = id -> false;
  private volatile int round;
  private volatile int size;

  private final class Watcher implements Consumer<String> {
    private String current;
    private int counted = -1;

    @Override
    public void accept(String id) {
      long now = System.nanoTime();
      synchronized (this) {
        current = id;
        check(now);
      }
    }

    synchronized void check(long now) {
      int r = round;
      if (counted != r && wanted.test(current)) {
        counted = r;
        first.accumulateAndGet(now, (a, b) -> a == 0 ? b : Math.min(a, b));
        last.accumulateAndGet(now, Math::max);
        if (count.incrementAndGet() >= size) {
          synchronized (changed) {
            changed.notifyAll();
          }
        } else if (count.get() == 1) {
          synchronized (changed) {
            changed.notifyAll();
          }
        }
      }
    }
  }

  /** Adds one observer on {@code observers}. */
  void add(Recipe.Observers observers) throws Exception {
    Watcher w = new Watcher();
    watchers.add(w);
    size = watchers.size();
    handles.add(observers.observe(w));
  }

  int size() {
    return size;
  }

  /** From now on, count each observer once when it sees a leader {@code wanted} accepts. */
  void arm(Predicate<String> wanted) {
    this.wanted = wanted;
    count.set(0);
    first.set(0);
    last.set(0);
    round++;
    long now = System.nanoTime();
    for (Watcher w : watchers) {
      w.check(now); // those that already see it
    }
  }

  /** Waits until {@code n} observers have seen a wanted leader; false on timeout. */
  boolean await(int n, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (changed) {
      while (count.get() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(changed, Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
      }
    }
    return true;
  }

  int seen() {
    return count.get();
  }

  long first() {
    return first.get();
  }

  long last() {
    return last.get();
  }

  @Override
  public void close() {
    for (AutoCloseable h : handles) {
      try {
        h.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
    handles.clear();
    watchers.clear();
    size = 0;
  }
}
