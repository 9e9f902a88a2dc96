package org.masterha.chaos.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.Event.Outcome;
import org.masterha.chaos.history.Event.Phase;
import org.masterha.chaos.history.History;

/**
 * Hand-made histories for tests, with times in milliseconds from an arbitrary origin (nanoTime
 * values are arbitrary too). The builder keeps each process's current life ({@link #start} moves to
 * the next) and the current epoch line ({@link #line}), so a test names only what matters. Events
 * may be added in any order; {@link #build} merges them by time.
 */
final class HistoryBuilder {
  static final long ORIGIN = 5_000_000_000L;

  private final List<Event> events = new ArrayList<>();
  private final Map<String, Integer> lives = new HashMap<>();
  private String line = "L1";

  static long nanos(double ms) {
    return ORIGIN + Math.round(ms * 1_000_000);
  }

  private int life(String proc) {
    return lives.getOrDefault(proc, 1);
  }

  private HistoryBuilder add(Event e) {
    events.add(e);
    return this;
  }

  /** The epoch line of the events added next. */
  HistoryBuilder line(String line) {
    this.line = line;
    return this;
  }

  /** A node life begins: life 1 the first time, the next life after that. */
  HistoryBuilder start(double ms, String proc) {
    int life = lives.containsKey(proc) ? lives.get(proc) + 1 : 1;
    lives.put(proc, life);
    return add(new Event.Start(nanos(ms), proc, life));
  }

  HistoryBuilder contending(double ms, String proc, long epoch) {
    return add(new Event.Contending(nanos(ms), proc, life(proc), line, epoch));
  }

  HistoryBuilder elected(double ms, String proc, long epoch) {
    return add(new Event.Elected(nanos(ms), proc, life(proc), line, epoch));
  }

  HistoryBuilder act(double ms, String proc, long epoch) {
    return add(new Event.Act(nanos(ms), proc, life(proc), line, epoch));
  }

  /** Acts at every {@code step} ms from {@code fromMs} to {@code toMs} inclusive. */
  HistoryBuilder acts(double fromMs, double toMs, double step, String proc, long epoch) {
    for (double ms = fromMs; ms <= toMs; ms += step) {
      act(ms, proc, epoch);
    }
    return this;
  }

  HistoryBuilder write(
      double ms,
      String proc,
      long epoch,
      String op,
      String prevOp,
      long prevVersion,
      double invokeMs,
      Outcome outcome,
      long version) {
    return add(
        new Event.Write(
            nanos(ms),
            proc,
            life(proc),
            line,
            epoch,
            op,
            prevOp,
            prevVersion,
            nanos(invokeMs),
            outcome,
            version));
  }

  /** An acknowledged write sent 1 ms before it completed. */
  HistoryBuilder writeOk(
      double ms,
      String proc,
      long epoch,
      String op,
      String prevOp,
      long prevVersion,
      long version) {
    return write(ms, proc, epoch, op, prevOp, prevVersion, ms - 1, Outcome.OK, version);
  }

  /** A write without an answer, sent at {@code invokeMs}. */
  HistoryBuilder writeUnknown(
      double ms,
      String proc,
      long epoch,
      String op,
      String prevOp,
      long prevVersion,
      double invokeMs) {
    return write(ms, proc, epoch, op, prevOp, prevVersion, invokeMs, Outcome.UNKNOWN, 0);
  }

  HistoryBuilder writeRefused(
      double ms, String proc, long epoch, String op, String prevOp, long prevVersion) {
    return write(ms, proc, epoch, op, prevOp, prevVersion, ms - 1, Outcome.REFUSED, 0);
  }

  HistoryBuilder read(double ms, String proc, String op, long version) {
    return add(new Event.Read(nanos(ms), proc, life(proc), op, version));
  }

  HistoryBuilder lost(double ms, String proc, long epoch) {
    return add(new Event.Lost(nanos(ms), proc, life(proc), line, epoch, "test"));
  }

  HistoryBuilder detected(double ms, String proc, long epoch, String leader) {
    return add(new Event.Detected(nanos(ms), proc, life(proc), line, epoch, leader));
  }

  HistoryBuilder noLeader(double ms, String proc) {
    return detected(ms, proc, -1, "");
  }

  HistoryBuilder faultStart(double ms, int id, String kind, String target) {
    return add(new Event.Fault(nanos(ms), "nemesis", 1, id, kind, target, Phase.START));
  }

  HistoryBuilder faultHeal(double ms, int id, String kind, String target) {
    return add(new Event.Fault(nanos(ms), "nemesis", 1, id, kind, target, Phase.HEAL));
  }

  /** The nemesis kills the current life of {@code target}. */
  HistoryBuilder killed(double ms, String target) {
    return add(new Event.Killed(nanos(ms), "nemesis", 1, target, life(target)));
  }

  HistoryBuilder end(double ms) {
    return add(new Event.End(nanos(ms), "runner", 1));
  }

  History build() {
    return History.merge(events);
  }
}
