package org.masterha.chaos.check;

import java.util.Locale;
import org.masterha.chaos.history.Event;

/** Events rendered for people: time since the history's first event, process, type, fields. */
final class EventText {
  private EventText() {}

  static String render(Event e, long t0) {
    return String.format(
        "%+12.3f ms  %-10s %-10s %s",
        (e.t() - t0) / 1e6, e.proc() + "#" + e.life(), Event.typeOf(e), fields(e, t0));
  }

  static String fields(Event e, long t0) {
    if (e instanceof Event.Write w) {
      return String.format(
          "%s/%d op=%s prevOp=%s prevVersion=%d tInvoke=%+.3fms outcome=%s version=%d",
          w.line(),
          w.epoch(),
          w.op(),
          quoted(w.prevOp()),
          w.prevVersion(),
          (w.tInvoke() - t0) / 1e6,
          w.outcome().name().toLowerCase(Locale.ROOT),
          w.version());
    }
    if (e instanceof Event.Lost l) {
      return l.line() + "/" + l.epoch() + " reason=" + l.reason();
    }
    if (e instanceof Event.Detected d) {
      return d.hasLeader()
          ? d.line() + "/" + d.epoch() + " leader=" + d.leader()
          : d.line() + " no leader";
    }
    if (e instanceof Event.OnLine o) {
      return o.line() + "/" + o.epoch();
    }
    if (e instanceof Event.Read r) {
      return "op=" + quoted(r.op()) + " version=" + r.version();
    }
    if (e instanceof Event.Fault f) {
      return String.format(
          "#%d %s %s target=%s",
          f.id(), f.phase().name().toLowerCase(Locale.ROOT), f.kind(), f.target());
    }
    if (e instanceof Event.Killed k) {
      return k.target() + "#" + k.targetLife();
    }
    return "";
  }

  private static String quoted(String s) {
    return s.isEmpty() ? "\"\"" : s;
  }
}
