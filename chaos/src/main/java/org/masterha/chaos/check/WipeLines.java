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
    // The line each candidacy was registered on, by epoch, in time order.
    Map<Long, List<long[]>> electedLines = new HashMap<>();
    for (Event e : history.events()) {
      if (e instanceof Event.Contending c) {
        electedLines
            .computeIfAbsent(c.epoch(), k -> new ArrayList<>())
            .add(new long[] {c.t(), wipesBefore(wipes, c.t())});
      }
    }
    List<Event> relabelled = new ArrayList<>(history.events().size());
    for (Event e : history.events()) {
      relabelled.add(relabel(e, wipes, electedLines));
    }
    return new History(relabelled, history.notes());
  }

  private static Event relabel(Event e, List<Long> wipes, Map<Long, List<long[]>> electedLines) {
    if (!(e instanceof Event.OnLine o)) {
      return e;
    }
    String line;
    if (e instanceof Event.Contending) {
      line = name(o.line(), wipesBefore(wipes, e.t()));
    } else {
      line = name(o.line(), lineOfEpoch(o.epoch(), e.t(), wipes, electedLines));
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

  private static long lineOfEpoch(
      long epoch, long t, List<Long> wipes, Map<Long, List<long[]>> electedLines) {
    List<long[]> elections = electedLines.get(epoch);
    if (elections == null) {
      return wipesBefore(wipes, t);
    }
    long[] chosen = null;
    for (long[] el : elections) {
      if (el[0] <= t) {
        chosen = el;
      }
    }
    return (chosen != null ? chosen : elections.get(0))[1];
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
