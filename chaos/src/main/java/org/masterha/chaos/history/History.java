package org.masterha.chaos.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A merged history: the events of every process in {@code t} order, plus notes about what the
 * reader had to skip (a half-written last line of a killed process).
 *
 * @param events sorted by {@link Event#t()}; events with equal {@code t} keep their input order
 * @param notes one line each, for the report; never a reason to fail the check by themselves
 */
public record History(List<Event> events, List<String> notes) {
  public History {
    events = List.copyOf(events);
    notes = List.copyOf(notes);
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).t() < events.get(i - 1).t()) {
        throw new IllegalArgumentException("events are not in t order at index " + i);
      }
    }
  }

  /**
   * Merges events given in file order (all of one file, then all of the next): a stable sort by
   * {@code t}, so that ties keep file order.
   */
  public static History merge(List<? extends Event> inFileOrder, List<String> notes) {
    List<Event> sorted = new ArrayList<>(inFileOrder);
    sorted.sort(Comparator.comparingLong(Event::t)); // List.sort is stable
    return new History(sorted, notes);
  }

  /** Merges events given in file order, with no notes. */
  public static History merge(List<? extends Event> inFileOrder) {
    return merge(inFileOrder, List.of());
  }

  /** The {@code t} of the last event, or 0 for an empty history. */
  public long lastT() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).t();
  }

  /** The {@code t} of the first event, or 0 for an empty history. */
  public long firstT() {
    return events.isEmpty() ? 0 : events.get(0).t();
  }
}
