package org.masterha.chaos.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.History;

/**
 * Epoch lines from the store wipes of a history. A {@code wipe-store} fault deletes the base path
 * under the running nodes: on ZooKeeper the members numbered after it start again from 0, and the
 * register starts empty, so the epochs and the register after a wipe form a new line. The nodes
 * cannot know which line they are on (each detector numbers its own lines), so the checker draws
 * them from the nemesis's record: an {@code elected} or {@code contending} is on line {@code k},
 * the number of wipes started before it; every other event of an epoch (acts, writes, losses,
 * detector reports) is on the line of that epoch's {@code elected}, the last one at or before it
 * (else the first after it), so an old leader acting in the moment after a wipe stays on its own
 * line.
 */
final class WipeLines {
  static final String WIPE_STORE = "wipe-store";

  private WipeLines() {}

  /** {@code history} with its lines drawn from its wipes; the same history when it has none. */
  static History relabel(History history) {
    List<Long> wipes = new ArrayList<>();
    for (Event e : history.events()) {
      if (e instanceof Event.Fault f
          && f.phase() == Event.Phase.HEAL
          && f.kind().contains(WIPE_STORE)) {
        wipes.add(f.t());
      }
    }
    java.util.Set<String> logged = new java.util.HashSet<>();
    for (Event e : history.events()) {
      if (e instanceof Event.OnLine o && !o.line().isEmpty()) {
        logged.add(o.line());
      }
    }
    if (wipes.isEmpty() || logged.size() > 1) {
      // No wipe; or the processes named their lines themselves, which the checker takes as given.
      return history;
    }
    // The candidacies registered, by epoch, in time order, with their line.
    Map<Long, List<Candidacy>> candidacies = new HashMap<>();
    for (Event e : history.events()) {
      if (e instanceof Event.Contending c) {
        candidacies
            .computeIfAbsent(c.epoch(), k -> new ArrayList<>())
            .add(new Candidacy(c.t(), c.proc(), c.life(), wipesBefore(wipes, c.t()), c.epoch()));
      }
    }
    List<Event> relabelled = new ArrayList<>(history.events().size());
    for (Event e : history.events()) {
      relabelled.add(relabel(e, wipes, candidacies));
    }
    return new History(relabelled, history.notes());
  }

  /** A candidacy registered at {@code t} by a process life, on line {@code line}. */
  private record Candidacy(long t, String proc, int life, long line, long epoch) {}

  /** The first candidacy {@code proc} registered after {@code t}, of any epoch. */
  private static Candidacy nextOf(String proc, long t, Map<Long, List<Candidacy>> candidacies) {
    Candidacy next = null;
    for (List<Candidacy> ofEpoch : candidacies.values()) {
      for (Candidacy c : ofEpoch) {
        if (c.proc().equals(proc) && c.t() > t && (next == null || c.t() < next.t())) {
          next = c;
        }
      }
    }
    return next;
  }

  private static Event relabel(Event e, List<Long> wipes, Map<Long, List<Candidacy>> candidacies) {
    if (!(e instanceof Event.OnLine o)) {
      return e;
    }
    String line;
    if (e instanceof Event.Contending) {
      line = name(o.line(), wipesBefore(wipes, e.t()));
    } else {
      line = name(o.line(), lineOfEpoch(o, wipes, candidacies));
    }
    if (o instanceof Event.Contending c) {
      return new Event.Contending(c.t(), c.proc(), c.life(), line, c.epoch());
    } else if (o instanceof Event.Elected el) {
      return new Event.Elected(el.t(), el.proc(), el.life(), line, el.epoch());
    } else if (o instanceof Event.Act a) {
      return new Event.Act(a.t(), a.proc(), a.life(), line, a.epoch());
    } else if (o instanceof Event.Write w) {
      return new Event.Write(
          w.t(),
          w.proc(),
          w.life(),
          line,
          w.epoch(),
          w.op(),
          w.prevOp(),
          w.prevVersion(),
          w.tInvoke(),
          w.outcome(),
          w.version());
    } else if (o instanceof Event.Lost l) {
      return new Event.Lost(l.t(), l.proc(), l.life(), line, l.epoch(), l.reason());
    } else if (o instanceof Event.Detected d && d.hasLeader()) {
      return new Event.Detected(d.t(), d.proc(), d.life(), line, d.epoch(), d.leader());
    }
    return e;
  }

  /**
   * The line of the candidacy {@code e} is about. A node's own events (elected, acts, writes, a
   * loss) follow its own candidacy of that epoch, the last one it registered at or before them. A
   * detector report names the leader's process and follows that process's candidacy of the epoch (a
   * detector may see a member a moment before its own process logs it).
   */
  private static long lineOfEpoch(
      Event.OnLine e, List<Long> wipes, Map<Long, List<Candidacy>> candidacies) {
    List<Candidacy> all = candidacies.getOrDefault(e.epoch(), List.of());
    Candidacy chosen = null;
    if (e instanceof Event.Detected d) {
      // The leader's candidacy of that epoch live at the report (the last registered before it)
      // when it is on the line of the moment; else the next one, registered a moment after the
      // detector saw its member; else the old leader just before a wipe.
      long now = wipesBefore(wipes, e.t());
      Candidacy before = null;
      for (Candidacy c : all) {
        if (c.proc().equals(d.leader()) && c.t() <= e.t()) {
          before = c;
        }
      }
      // Only the leader's very next candidacy can be one the detector saw before its process
      // logged it; a later candidacy of the same epoch number (epochs count again from 0 on a new
      // line) is another member.
      Candidacy after = null;
      Candidacy next = nextOf(d.leader(), e.t(), candidacies);
      if (next != null && next.epoch() == e.epoch()) {
        after = next;
      }
      if (before != null && before.line() == now) {
        chosen = before;
      } else if (after != null && after.line() == now) {
        chosen = after;
      } else if (before != null && before.line() == now - 1) {
        chosen = before; // a report of the old leader, a moment after the wipe
      } else {
        // A member its process never logged (a join replaced before it answered): on the line of
        // the moment.
        return now;
      }
    } else {
      for (Candidacy c : all) {
        if (c.proc().equals(e.proc()) && c.life() == e.life() && c.t() <= e.t()) {
          chosen = c;
        }
      }
    }
    return chosen != null ? chosen.line() : wipesBefore(wipes, e.t());
  }

  private static long wipesBefore(List<Long> wipes, long t) {
    long n = 0;
    for (long w : wipes) {
      if (w < t) {
        n++;
      }
    }
    return n;
  }

  private static String name(String original, long wipes) {
    return wipes == 0 ? original : original + "~w" + wipes;
  }
}
