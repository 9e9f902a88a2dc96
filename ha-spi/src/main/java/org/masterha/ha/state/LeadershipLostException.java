package org.masterha.ha.state;

import org.masterha.ha.error.HaException;

/**
 * A fenced write was refused because its candidacy is no longer (or not yet) the leader; nothing
 * was changed.
 */
public class LeadershipLostException extends HaException {
  private static final long serialVersionUID = 1L;

  public LeadershipLostException(String message) {
    super(message);
  }
}
