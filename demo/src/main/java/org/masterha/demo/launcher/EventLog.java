package org.masterha.demo.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.masterha.demo.common.Events;

/**
 * Every EVENT line the demo's processes print, in arrival order, each tagged with the process that
 * printed it. Callers wait for a condition with a deadline; arrivals wake them, so nothing polls or
 * sleeps.
 */
public final class EventLog {
  /** One event from one process. */
  public record Entry(String process, Events.Event event) {
    public String kind() {
      return event.kind();
    }

    public String get(String key) {
      return event.get(key);
    }

    public long millis() {
      return event.millis();
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final List<Consumer<Entry>> listeners = new ArrayList<>();

  public synchronized void addListener(Consumer<Entry> listener) {
    listeners.add(listener);
  }

  /**
   * Listeners run before waiters wake, so a printed timeline never lags behind what a waiter acts
   * on.
   */
  synchronized void add(String process, Events.Event event) {
    Entry e = new Entry(process, event);
    entries.add(e);
    listeners.forEach(l -> l.accept(e));
    notifyAll();
  }

  /** Wakes waiters, e.g. when a process exited, so they can re-check their condition. */
  synchronized void poke() {
    notifyAll();
  }

  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  public synchronized Optional<Entry> first(Predicate<Entry> p) {
    return entries.stream().filter(p).findFirst();
  }

  /**
   * Waits until {@code condition} holds over the events so far, or {@code abort} returns a reason
   * to give up (a process died), or the deadline passes. Returns the first entry matching {@code
   * match} once the condition holds (may be empty if {@code match} is null).
   */
  public synchronized <T> T await(
      String what,
      Duration timeout,
      java.util.function.Function<List<Entry>, Optional<T>> condition,
      java.util.function.Supplier<Optional<String>> abort)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> result = condition.apply(entries);
      if (result.isPresent()) {
        return result.get();
      }
      Optional<String> why = abort.get();
      if (why.isPresent()) {
        throw new TimeoutException("gave up waiting for " + what + ": " + why.get());
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("waited " + timeout.toSeconds() + "s for " + what);
      }
      wait(Math.max(1, Math.min(left / 1_000_000, 500)));
    }
  }
}
