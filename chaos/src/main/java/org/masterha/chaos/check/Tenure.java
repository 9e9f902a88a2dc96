package org.masterha.chaos.check;

import java.util.Objects;
import org.masterha.chaos.history.Event;

/**
 * A leadership: (line, epoch) held by one process life, from its {@code elected} to its last {@code
 * act} of that epoch (or the {@code elected} itself if it never acted).
 *
 * @param elected the start
 * @param last the last {@code act} of the tenure, or {@code elected}
 */
public record Tenure(Event.Elected elected, Event last) {
  public Tenure {
    Objects.requireNonNull(elected, "elected");
    Objects.requireNonNull(last, "last");
  }

  public String line() {
    return elected.line();
  }

  public long epoch() {
    return elected.epoch();
  }

  public String proc() {
    return elected.proc();
  }

  public int life() {
    return elected.life();
  }

  public long start() {
    return elected.t();
  }

  /** END: the {@code t} of the last act, or of {@code elected}. */
  public long end() {
    return last.t();
  }

  /** For messages: {@code n1#2 L1/7}. */
  public String describe() {
    return proc() + "#" + life() + " " + line() + "/" + epoch();
  }
}
