package org.masterha.chaos.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.History;

/**
 * Checks a merged campaign history against rules (a) to (g) of the campaign.
 *
 * <p>Terms. A <em>life</em> is (proc, life). An <em>epoch key</em> is (line, epoch). A {@link
 * Tenure} is an epoch key held by one life, from its {@code elected} to its END, the latest {@code
 * act} of that epoch by that life. <em>Lines</em> (store incarnations) are ordered by their first
 * appearance in the history; epoch order only means something within a line.
 *
 * <p>Choices where the rules leave room (each is described again at its method):
 *
 * <ul>
 *   <li>(a) compares tenures of different epoch keys across lines too: two leaders at once is wrong
 *       even across a store wipe.
 *   <li>(d) the register lives in the store, so a line change (wipe or restore) may drop or roll
 *       back its value: forks are looked for within a line, the final read's chain must hold every
 *       acknowledged write of the final line, and each earlier line's acknowledged writes must lie
 *       on the chain of that line's newest acknowledged write.
 *   <li>(f) a heal's window is skipped when another fault is active at the heal, or starts before
 *       the window closes with no act or elected before it: the later heal's window is evaluated
 *       instead.
 * </ul>
 *
 * <p>A checker holds no state between calls; {@link #check} may run concurrently.
 */
public final class HistoryChecker {
  private final CheckOptions options;

  public HistoryChecker(CheckOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public CheckOptions options() {
    return options;
  }

  /** Checks every rule. */
  public CheckResult check(History history) {
    return new Run(WipeLines.relabel(history)).check();
  }

  private record LifeKey(String proc, int life) {}

  private record EpochKey(String line, long epoch) {
    @Override
    public String toString() {
      return line + "/" + epoch;
    }
  }

  private record TenureKey(EpochKey epoch, LifeKey life) {}

  private record ViolationKey(Rule rule, String kind, List<Integer> involved) {}

  /** One check of one history: the indexes it builds and the violations it finds. */
  private final class Run {
    private final History history;
    private final List<Event> events;
    private final long t0;
    private final IdentityHashMap<Event, Integer> position = new IdentityHashMap<>();
    private final Map<String, Integer> lineOrder = new LinkedHashMap<>();
    private final Map<LifeKey, Event.Killed> killed = new HashMap<>();
    private final Map<TenureKey, Event.Lost> lost = new HashMap<>();
    private final Map<TenureKey, Tenure> tenureByKey = new LinkedHashMap<>();
    private final List<Event.Elected> electeds = new ArrayList<>();
    private final List<Violation> violations = new ArrayList<>();
    private final Set<ViolationKey> reported = new HashSet<>();
    private final List<String> notes = new ArrayList<>();
    private List<Tenure> tenures = List.of();

    Run(History history) {
      this.history = history;
      this.events = history.events();
      this.t0 = history.firstT();
      this.notes.addAll(history.notes());
    }

    CheckResult check() {
      index();
      checkActs(); // (g), first: it decides which acts are inside tenures
      checkTenures(); // (a), (b)
      checkWrites(); // (c), (d)
      checkDetectors(); // (e)
      List<LivenessWindow> windows = checkLiveness(); // (f)
      List<Failover> failovers = failovers();
      violations.sort(Comparator.comparing(Violation::rule)); // stable: found order within
      return new CheckResult(violations, tenures, failovers, windows, notes);
    }

    // ---- indexes

    private void index() {
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        position.put(e, i);
        if (e instanceof Event.OnLine o && !o.line().isEmpty()) {
          lineOrder.putIfAbsent(o.line(), lineOrder.size());
        }
        if (e instanceof Event.Killed k) {
          killed.putIfAbsent(new LifeKey(k.target(), k.targetLife()), k);
        } else if (e instanceof Event.Lost l) {
          lost.putIfAbsent(key(l), l);
        } else if (e instanceof Event.Elected el) {
          electeds.add(el);
          TenureKey k = key(el);
          if (tenureByKey.containsKey(k)) {
            notes.add("a second elected of " + describe(k) + " in the same life is ignored");
          } else {
            tenureByKey.put(k, new Tenure(el, el));
          }
        }
      }
    }

    private TenureKey key(Event.OnLine e) {
      return new TenureKey(new EpochKey(e.line(), e.epoch()), new LifeKey(e.proc(), e.life()));
    }

    private String describe(TenureKey k) {
      return k.life().proc() + "#" + k.life().life() + " " + k.epoch();
    }

    private int lineIndex(String line) {
      return lineOrder.getOrDefault(line, -1);
    }

    // ---- (g) and the END of each tenure

    /**
     * (g): an act needs an earlier {@code elected} of its epoch in its life, and must not come
     * after that life's {@code lost} of the epoch or after the life was killed. Every act at or
     * after its {@code elected} extends the tenure's END, even an illegal one, so that (a) also
     * sees the overlap it causes.
     */
    private void checkActs() {
      // A node that acts outside its tenure usually does so every few tens of ms: the first such
      // act of each (tenure, kind) is reported, and the count of the others with it.
      Map<List<Object>, Integer> more = new HashMap<>();
      for (Event e : events) {
        if (!(e instanceof Event.Act act)) {
          continue;
        }
        TenureKey k = key(act);
        Tenure tenure = tenureByKey.get(k);
        if (tenure == null || act.t() < tenure.start()) {
          if (more.merge(List.of(k, "act-without-elected"), 1, Integer::sum) > 1) {
            continue;
          }
          violate(
              Rule.G_ACTS_INSIDE_TENURE,
              "act-without-elected",
              String.format(
                  "%s acted as leader of %s with no earlier elected of that epoch in that life",
                  lifeName(act), k.epoch()),
              tenure == null ? List.of(act) : List.of(act, tenure.elected()));
          continue;
        }
        tenureByKey.put(k, new Tenure(tenure.elected(), act));
        Event.Lost l = lost.get(k);
        if (l != null
            && act.t() > l.t()
            && more.merge(List.of(k, "act-after-lost"), 1, Integer::sum) == 1) {
          violate(
              Rule.G_ACTS_INSIDE_TENURE,
              "act-after-lost",
              String.format(
                  "%s acted as leader of %s %.3f ms after it learned the candidacy was lost",
                  lifeName(act), k.epoch(), (act.t() - l.t()) / 1e6),
              List.of(l, act));
        }
        Event.Killed kill = killed.get(k.life());
        if (kill != null
            && act.t() > kill.t()
            && more.merge(List.of(k, "act-after-killed"), 1, Integer::sum) == 1) {
          violate(
              Rule.G_ACTS_INSIDE_TENURE,
              "act-after-killed",
              String.format(
                  "%s acted as leader of %s after it was killed with kill -9",
                  lifeName(act), k.epoch()),
              List.of(kill, act));
        }
      }
      more.forEach(
          (what, count) -> {
            if (count > 1) {
              notes.add(
                  String.format(
                      "(g) %s of %s: %d more acts like the one reported",
                      what.get(1), describe((TenureKey) what.get(0)), count - 1));
            }
          });
      List<Tenure> sorted = new ArrayList<>(tenureByKey.values());
      sorted.sort(Comparator.comparingLong(Tenure::start)); // stable: history order on ties
      tenures = List.copyOf(sorted);
    }

    // ---- (a) and (b)

    private void checkTenures() {
      // (a) one (line, epoch) is elected by one life only.
      Map<EpochKey, Tenure> firstOfEpoch = new HashMap<>();
      for (Tenure t : tenures) {
        EpochKey ek = new EpochKey(t.line(), t.epoch());
        Tenure first = firstOfEpoch.putIfAbsent(ek, t);
        if (first != null) {
          violate(
              Rule.A_TENURES_DISJOINT,
              "duplicate-epoch",
              String.format(
                  "%s was elected by two lives: %s and %s",
                  ek, lifeName(first.elected()), lifeName(t.elected())),
              List.of(first.elected(), t.elected()));
        }
      }
      // (a) tenures of different epochs never overlap: [start, END] intervals, sorted by start.
      for (int i = 0; i < tenures.size(); i++) {
        Tenure a = tenures.get(i);
        for (int j = i + 1; j < tenures.size(); j++) {
          Tenure b = tenures.get(j);
          if (b.start() > a.end()) {
            break; // every later tenure starts later still
          }
          if (a.line().equals(b.line()) && a.epoch() == b.epoch()) {
            continue; // a duplicate epoch, reported above
          }
          violate(
              Rule.A_TENURES_DISJOINT,
              "overlap",
              String.format(
                  "tenure %s (until its last act at %+.3f ms) overlaps tenure %s elected at %+.3f"
                      + " ms",
                  a.describe(), ms(a.end()), b.describe(), ms(b.start())),
              List.of(a.elected(), b.elected(), a.last()));
        }
      }
      // (b) by start, epochs strictly increase within a line, and lines never go back.
      Map<String, Tenure> lastInLine = new HashMap<>();
      Tenure newestLine = null;
      Set<EpochKey> seen = new HashSet<>();
      for (Tenure t : tenures) {
        if (!seen.add(new EpochKey(t.line(), t.epoch()))) {
          continue; // a duplicate epoch is (a)'s business
        }
        if (newestLine != null && lineIndex(t.line()) < lineIndex(newestLine.line())) {
          violate(
              Rule.B_EPOCHS_INCREASE,
              "line-went-back",
              String.format(
                  "tenure %s of line %s began after tenure %s of the later line %s",
                  t.describe(), t.line(), newestLine.describe(), newestLine.line()),
              List.of(newestLine.elected(), t.elected()));
          continue;
        }
        newestLine = t;
        Tenure previous = lastInLine.get(t.line());
        if (previous != null && t.epoch() <= previous.epoch()) {
          violate(
              Rule.B_EPOCHS_INCREASE,
              "epoch-not-increasing",
              String.format(
                  "tenure %s began after tenure %s: epochs must strictly increase",
                  t.describe(), previous.describe()),
              List.of(previous.elected(), t.elected()));
        } else {
          lastInLine.put(t.line(), t);
        }
      }
    }

    // ---- (c) and (d)

    private void checkWrites() {
      List<Event.Write> writes = new ArrayList<>();
      List<Event.Read> reads = new ArrayList<>();
      for (Event e : events) {
        if (e instanceof Event.Write w) {
          writes.add(w);
        } else if (e instanceof Event.Read r) {
          reads.add(r);
        }
      }
      for (Event.Write w : writes) {
        if (w.outcome() == Event.Outcome.OK) {
          checkFenced(w);
        }
      }
      new RegisterChain(writes, reads).check();
    }

    /**
     * (c) for one acknowledged write: sent inside its writer's tenure, and not after anyone was
     * elected with a higher epoch of the same line (the store should have refused it).
     */
    private void checkFenced(Event.Write w) {
      TenureKey k = key(w);
      Tenure tenure = tenureByKey.get(k);
      if (tenure == null || w.tInvoke() < tenure.start()) {
        violate(
            Rule.C_WRITES_FENCED,
            "write-outside-tenure",
            String.format(
                "acknowledged write %s of %s was sent at %+.3f ms, not inside a tenure of %s",
                w.op(), lifeName(w), ms(w.tInvoke()), k.epoch()),
            tenure == null ? List.of(w) : List.of(tenure.elected(), w));
        return;
      }
      Event.Lost l = lost.get(k);
      if (l != null && w.tInvoke() > l.t()) {
        violate(
            Rule.C_WRITES_FENCED,
            "write-after-lost",
            String.format(
                "acknowledged write %s was sent at %+.3f ms, after %s learned %s was lost",
                w.op(), ms(w.tInvoke()), lifeName(w), k.epoch()),
            List.of(l, w));
      }
      Event.Killed kill = killed.get(k.life());
      if (kill != null && w.tInvoke() > kill.t()) {
        violate(
            Rule.C_WRITES_FENCED,
            "write-after-killed",
            String.format(
                "acknowledged write %s was sent at %+.3f ms, after %s was killed",
                w.op(), ms(w.tInvoke()), lifeName(w)),
            List.of(kill, w));
      }
      for (Event.Elected newer : electeds) {
        if (newer.t() >= w.tInvoke()) {
          break;
        }
        if (newer.line().equals(w.line()) && newer.epoch() > w.epoch()) {
          violate(
              Rule.C_WRITES_FENCED,
              "accepted-after-deposed",
              String.format(
                  "write %s of %s/%d was sent at %+.3f ms, after %s was elected with epoch %d,"
                      + " and was acknowledged",
                  w.op(), w.line(), w.epoch(), ms(w.tInvoke()), lifeName(newer), newer.epoch()),
              List.of(newer, w));
          break;
        }
      }
    }

    /** (d), and (c)'s epoch order along the chain. */
    private final class RegisterChain {
      private final List<Event.Write> writes;
      private final List<Event.Read> reads;
      private final Map<String, Event.Write> byOp = new HashMap<>();
      private final Set<String> seenAsValue = new HashSet<>();

      RegisterChain(List<Event.Write> writes, List<Event.Read> reads) {
        this.writes = writes;
        this.reads = reads;
      }

      void check() {
        for (Event.Write w : writes) {
          Event.Write other = byOp.putIfAbsent(w.op(), w);
          if (other != null) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "duplicate-op",
                "two writes carry op id " + w.op() + "; op ids must be unique",
                List.of(other, w));
          }
        }
        for (Event.Write w : writes) {
          seeValue(w.prevOp(), w);
        }
        for (Event.Read r : reads) {
          seeValue(r.op(), r);
        }
        for (Event.Write w : writes) {
          if (w.outcome() == Event.Outcome.REFUSED && seenAsValue.contains(w.op())) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "refused-write-applied",
                "write " + w.op() + " was refused, yet its value was later found in the register",
                List.of(w));
          }
        }
        checkForks();
        checkFinalChain();
        checkEarlierLines();
      }

      /** Reads never see an op that no write wrote; nor does a write replace such a value. */
      private void seeValue(String op, Event seenBy) {
        if (op.isEmpty()) {
          return;
        }
        seenAsValue.add(op);
        if (!byOp.containsKey(op)) {
          violate(
              Rule.D_REGISTER_CHAIN,
              "unknown-op",
              String.format(
                  "%s found op %s in the register, but no write has that op", lifeName(seenBy), op),
              List.of(seenBy));
        }
      }

      /** Applied: acknowledged, or unknown but later found in the register. */
      private boolean applied(Event.Write w) {
        return w.outcome() == Event.Outcome.OK
            || (w.outcome() == Event.Outcome.UNKNOWN && seenAsValue.contains(w.op()));
      }

      /** No two applied writes of one line replaced the same value. */
      private void checkForks() {
        Map<List<String>, Event.Write> firstByPrev = new HashMap<>();
        for (Event.Write w : writes) {
          if (!applied(w)) {
            continue;
          }
          Event.Write first = firstByPrev.putIfAbsent(List.of(w.line(), w.prevOp()), w);
          if (first != null) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "fork",
                String.format(
                    "applied writes %s and %s both replaced the value %s: the register forked",
                    first.op(), w.op(), w.prevOp().isEmpty() ? "\"\" (empty)" : w.prevOp()),
                List.of(first, w));
          }
        }
      }

      /**
       * The chain from the last read (the runner's, after healing everything) back to the empty
       * register holds every acknowledged write of the final line, except writes acknowledged after
       * that read which build on the value it read.
       */
      private void checkFinalChain() {
        List<Event.Write> acknowledged =
            writes.stream().filter(w -> w.outcome() == Event.Outcome.OK).toList();
        if (reads.isEmpty()) {
          if (!acknowledged.isEmpty()) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "no-final-read",
                "the history has acknowledged writes but no read of the register, so none of"
                    + " them can be shown to have survived",
                List.of(acknowledged.get(acknowledged.size() - 1)));
          }
          return;
        }
        Event.Read last = reads.get(reads.size() - 1);
        List<Event.Write> chain = chainFrom(last.op(), null);
        checkAlong(chain);
        String finalLine = null;
        for (Map.Entry<String, Integer> e : lineOrder.entrySet()) {
          finalLine = e.getKey(); // insertion order: the last is the newest line
        }
        Set<String> onChain = new HashSet<>();
        chain.forEach(w -> onChain.add(w.op()));
        for (Event.Write w : acknowledged) {
          if (!w.line().equals(finalLine) || onChain.contains(w.op())) {
            continue;
          }
          // Acknowledged only after the read completed and built on what it read: written after
          // the read, not lost. Acknowledged before the read completed: the read must show it.
          boolean afterTheRead = w.t() > last.t() && descendsFrom(w, last.op());
          if (!afterTheRead) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "lost-acknowledged-write",
                String.format(
                    "acknowledged write %s is not in the register's final value chain (read"
                        + " by %s: %s)",
                    w.op(), lifeName(last), last.op().isEmpty() ? "empty" : last.op()),
                List.of(w, last));
          }
        }
        if (!chain.isEmpty() && last.version() < chain.get(chain.size() - 1).version()) {
          Event.Write head = chain.get(chain.size() - 1);
          violate(
              Rule.D_REGISTER_CHAIN,
              "version-not-increasing",
              String.format(
                  "the final read found %s at version %d, older than its write's version %d",
                  head.op(), last.version(), head.version()),
              List.of(head, last));
        }
      }

      /** Whether the prevOp links from {@code w} lead to {@code op} ("" for the empty value). */
      private boolean descendsFrom(Event.Write w, String op) {
        Set<String> visited = new HashSet<>();
        String current = w.prevOp();
        while (visited.add(current)) {
          if (current.equals(op)) {
            return true;
          }
          Event.Write previous = byOp.get(current);
          if (previous == null) {
            return false;
          }
          current = previous.prevOp();
        }
        return false;
      }

      /**
       * A line that is not the newest one has no read of its own; its acknowledged writes must lie
       * on the chain of its newest acknowledged write (the value the line ended with, or an unknown
       * write after it).
       */
      private void checkEarlierLines() {
        List<String> lines = new ArrayList<>(lineOrder.keySet());
        for (String line : lines.subList(0, Math.max(0, lines.size() - 1))) {
          List<Event.Write> acknowledged =
              writes.stream()
                  .filter(w -> w.line().equals(line) && w.outcome() == Event.Outcome.OK)
                  .toList();
          if (acknowledged.isEmpty()) {
            continue;
          }
          Event.Write newest = acknowledged.get(0);
          for (Event.Write w : acknowledged) {
            if (w.version() >= newest.version()) {
              newest = w;
            }
          }
          List<Event.Write> chain = chainFrom(newest.op(), line);
          checkAlong(chain);
          Set<String> onChain = new HashSet<>();
          chain.forEach(w -> onChain.add(w.op()));
          for (Event.Write w : acknowledged) {
            if (!onChain.contains(w.op())) {
              violate(
                  Rule.D_REGISTER_CHAIN,
                  "lost-acknowledged-write",
                  String.format(
                      "acknowledged write %s of line %s is not on the chain of that line's"
                          + " newest acknowledged write %s",
                      w.op(), line, newest.op()),
                  List.of(w, newest));
            }
          }
        }
      }

      /**
       * The writes from {@code op} back through prevOp links, oldest first; only writes of {@code
       * line} when it is not null.
       */
      private List<Event.Write> chainFrom(String op, String line) {
        List<Event.Write> newestFirst = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        String current = op;
        while (!current.isEmpty()) {
          Event.Write w = byOp.get(current);
          if (w == null || (line != null && !w.line().equals(line))) {
            break; // an unknown op is reported by seeValue
          }
          if (!visited.add(current)) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "chain-cycle",
                "the prevOp links from " + op + " come back to " + current,
                List.of(w));
            break;
          }
          newestFirst.add(w);
          current = w.prevOp();
        }
        List<Event.Write> oldestFirst = new ArrayList<>(newestFirst.size());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
          oldestFirst.add(newestFirst.get(i));
        }
        return oldestFirst;
      }

      /**
       * Along a chain (oldest first): versions of acknowledged writes strictly increase within a
       * line (d), and no acknowledged write has a lower epoch, or an older line, than a write
       * before it (c).
       */
      private void checkAlong(List<Event.Write> chain) {
        Map<String, Event.Write> lastAcknowledged = new HashMap<>();
        Map<String, Event.Write> highestEpoch = new HashMap<>();
        Event.Write newestLine = null;
        for (Event.Write w : chain) {
          boolean ok = w.outcome() == Event.Outcome.OK;
          if (ok && w.version() <= w.prevVersion()) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "version-not-increasing",
                String.format(
                    "write %s replaced version %d with version %d",
                    w.op(), w.prevVersion(), w.version()),
                List.of(w));
          }
          Event.Write previous = lastAcknowledged.get(w.line());
          if (ok && previous != null && w.version() <= previous.version()) {
            violate(
                Rule.D_REGISTER_CHAIN,
                "version-not-increasing",
                String.format(
                    "along the register chain, write %s has version %d after write %s with"
                        + " version %d",
                    w.op(), w.version(), previous.op(), previous.version()),
                List.of(previous, w));
          }
          if (ok) {
            lastAcknowledged.put(w.line(), w);
          }
          if (newestLine != null && lineIndex(w.line()) < lineIndex(newestLine.line())) {
            if (ok) {
              violate(
                  Rule.C_WRITES_FENCED,
                  "line-went-back-on-chain",
                  String.format(
                      "acknowledged write %s of line %s follows write %s of the later line %s",
                      w.op(), w.line(), newestLine.op(), newestLine.line()),
                  List.of(newestLine, w));
            }
          } else {
            newestLine = w;
          }
          Event.Write highest = highestEpoch.get(w.line());
          if (highest != null && w.epoch() < highest.epoch()) {
            if (ok) {
              violate(
                  Rule.C_WRITES_FENCED,
                  "epoch-went-back-on-chain",
                  String.format(
                      "acknowledged write %s of epoch %d follows write %s of epoch %d in the"
                          + " register",
                      w.op(), w.epoch(), highest.op(), highest.epoch()),
                  List.of(highest, w));
            }
          } else {
            highestEpoch.put(w.line(), w);
          }
        }
      }
    }

    // ---- (e)

    /** Per detector (one per life): epochs never go back within a line, lines never go back. */
    private void checkDetectors() {
      Map<LifeKey, Event.Detected> newestLine = new HashMap<>();
      Map<List<Object>, Event.Detected> highestInLine = new HashMap<>();
      for (Event e : events) {
        if (!(e instanceof Event.Detected d) || !d.hasLeader() || d.line().isEmpty()) {
          continue; // "no leader" may come between any two reports
        }
        LifeKey life = new LifeKey(d.proc(), d.life());
        Event.Detected newest = newestLine.get(life);
        if (newest != null && lineIndex(d.line()) < lineIndex(newest.line())) {
          violate(
              Rule.E_DETECTOR_MONOTONIC,
              "detector-line-went-back",
              String.format(
                  "the detector of %s reported line %s after the later line %s",
                  lifeName(d), d.line(), newest.line()),
              List.of(newest, d));
          continue;
        }
        newestLine.put(life, d);
        List<Object> k = List.of(d.proc(), d.life(), d.line());
        Event.Detected highest = highestInLine.get(k);
        if (highest != null && d.epoch() < highest.epoch()) {
          violate(
              Rule.E_DETECTOR_MONOTONIC,
              "detector-epoch-went-back",
              String.format(
                  "the detector of %s reported epoch %s/%d (%s) after epoch %d (%s)",
                  lifeName(d), d.line(), d.epoch(), d.leader(), highest.epoch(), highest.leader()),
              List.of(highest, d));
        } else {
          highestInLine.put(k, d);
        }
      }
    }

    // ---- (f) and failover times

    private record FaultSpan(Event.Fault start, Event.Fault heal) {
      boolean activeAt(long t) {
        return start.t() <= t && (heal == null || heal.t() > t);
      }
    }

    private Map<Integer, FaultSpan> faultSpans() {
      Map<Integer, FaultSpan> spans = new LinkedHashMap<>();
      for (Event e : events) {
        if (!(e instanceof Event.Fault f)) {
          continue;
        }
        FaultSpan span = spans.get(f.id());
        if (f.phase() == Event.Phase.START) {
          if (span != null) {
            notes.add("fault #" + f.id() + " started twice; the second start is ignored");
          } else {
            spans.put(f.id(), new FaultSpan(f, null));
          }
        } else if (span == null) {
          notes.add("fault #" + f.id() + " healed without a start; ignored");
        } else if (span.heal() != null) {
          notes.add("fault #" + f.id() + " healed twice; the second heal is ignored");
        } else {
          spans.put(f.id(), new FaultSpan(span.start(), f));
        }
      }
      for (FaultSpan span : spans.values()) {
        if (span.heal() == null) {
          notes.add(
              "fault #" + span.start().id() + " was never healed: no liveness window after it");
        }
      }
      return spans;
    }

    /**
     * (f): after a heal at h, an act or an elected by any node within [h, h + session timeout +
     * grace]. A heal's window is skipped when another fault is active at h, or when another fault
     * starts before the window closes and before any act or elected came: the later heal's window
     * covers that stretch. A window that the history ends in without any act or elected is a
     * violation too: the runner must observe long enough.
     */
    private List<LivenessWindow> checkLiveness() {
      Map<Integer, FaultSpan> spans = faultSpans();
      List<Event> progress = new ArrayList<>();
      for (Event e : events) {
        if (e instanceof Event.Act || e instanceof Event.Elected) {
          progress.add(e);
        }
      }
      List<FaultSpan> healed = new ArrayList<>();
      for (FaultSpan span : spans.values()) {
        if (span.heal() != null) {
          healed.add(span);
        }
      }
      healed.sort(Comparator.comparingLong(s -> s.heal().t()));
      List<LivenessWindow> windows = new ArrayList<>();
      for (FaultSpan span : healed) {
        // After a wipe the leader comes back one session timeout later (contract rule 11): a
        // detector takes epochs that went back for real only once they have lasted that long.
        long window =
            options.livenessWindowNanos()
                + (span.start().kind().contains(WipeLines.WIPE_STORE)
                    ? options.sessionTimeout().toNanos()
                    : 0);
        long h = span.heal().t();
        long deadline = h + window;
        Event first = null;
        for (Event p : progress) {
          if (p.t() >= h) {
            first = p;
            break;
          }
        }
        boolean otherActive = false;
        long nextStart = Long.MAX_VALUE;
        for (FaultSpan other : spans.values()) {
          if (other == span) {
            continue;
          }
          otherActive |= other.activeAt(h);
          if (other.start().t() > h) {
            nextStart = Math.min(nextStart, other.start().t());
          }
        }
        boolean progressInTime = first != null && first.t() <= deadline && first.t() <= nextStart;
        if (otherActive || (!progressInTime && nextStart <= deadline)) {
          continue; // another fault holds progress back: the window of its heal is checked
        }
        long gap = (first != null ? first.t() : history.lastT()) - h;
        boolean met = progressInTime;
        windows.add(new LivenessWindow(span.start().id(), h, deadline, gap, met));
        if (met) {
          continue;
        }
        String what = span.start().kind() + " of " + span.start().target();
        if (first != null) {
          violate(
              Rule.F_LIVENESS,
              "no-leader-after-heal",
              String.format(
                  "after fault #%d (%s) healed, no node acted as leader or was elected for %.3f"
                      + " ms (allowed: %.3f ms)",
                  span.start().id(), what, gap / 1e6, window / 1e6),
              List.of(span.heal(), first));
        } else {
          violate(
              Rule.F_LIVENESS,
              "no-leader-after-heal",
              String.format(
                  "after fault #%d (%s) healed, no node acted as leader or was elected until the"
                      + " history ends %.3f ms later (allowed: %.3f ms%s)",
                  span.start().id(),
                  what,
                  gap / 1e6,
                  window / 1e6,
                  history.lastT() < deadline ? "; the history ends before the window closes" : ""),
              List.of(span.heal()));
        }
      }
      return windows;
    }

    /**
     * Per fault: from its start to the first elected of another epoch key than the tenure current
     * at the start, if that comes before the next fault starts (else the fault did not move
     * leadership).
     */
    private List<Failover> failovers() {
      List<Event.Fault> starts = new ArrayList<>();
      for (Event e : events) {
        if (e instanceof Event.Fault f && f.phase() == Event.Phase.START) {
          starts.add(f);
        }
      }
      List<Failover> result = new ArrayList<>();
      for (int i = 0; i < starts.size(); i++) {
        Event.Fault f = starts.get(i);
        long nextStart = Long.MAX_VALUE;
        for (int j = i + 1; j < starts.size(); j++) {
          if (starts.get(j).t() > f.t()) {
            nextStart = starts.get(j).t();
            break;
          }
        }
        Tenure current = null;
        for (Tenure t : tenures) {
          if (t.start() <= f.t()) {
            current = t;
          }
        }
        for (Tenure t : tenures) {
          if (t.start() <= f.t()) {
            continue;
          }
          if (t.start() >= nextStart) {
            break;
          }
          if (current == null
              || !(t.line().equals(current.line()) && t.epoch() == current.epoch())) {
            result.add(new Failover(f.id(), f.kind(), f.target(), f.t(), t.start() - f.t()));
            break;
          }
        }
      }
      return result;
    }

    // ---- violations

    private void violate(Rule rule, String kind, String explanation, List<Event> involved) {
      List<Integer> at = new ArrayList<>();
      for (Event e : involved) {
        at.add(Objects.requireNonNull(position.get(e), "an involved event is in the history"));
      }
      if (!reported.add(new ViolationKey(rule, kind, List.copyOf(new TreeSet<>(at))))) {
        return; // found twice, e.g. on the final chain and on a line's chain
      }
      violations.add(
          new Violation(
              rule,
              kind,
              explanation,
              involved,
              slice(new TreeSet<>(at)),
              options.seed(),
              options.schedule()));
    }

    private List<String> slice(TreeSet<Integer> involved) {
      int r = options.sliceRadius();
      TreeSet<Integer> shown = new TreeSet<>();
      for (int i : involved) {
        for (int j = Math.max(0, i - r); j <= Math.min(events.size() - 1, i + r); j++) {
          shown.add(j);
        }
      }
      List<String> lines = new ArrayList<>();
      int previous = -1;
      for (int i : shown) {
        if (i > previous + 1) {
          lines.add("   ...");
        }
        String mark = involved.contains(i) ? ">> " : "   ";
        lines.add(mark + EventText.render(events.get(i), t0));
        previous = i;
      }
      if (previous < events.size() - 1) {
        lines.add("   ...");
      }
      return lines;
    }

    private static String lifeName(Event e) {
      return e.proc() + "#" + e.life();
    }

    private double ms(long t) {
      return (t - t0) / 1e6;
    }
  }
}
