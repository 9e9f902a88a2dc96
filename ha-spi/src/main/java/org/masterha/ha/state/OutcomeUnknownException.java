package org.masterha.ha.state;

import org.masterha.ha.error.HaException;

/**
 * A write was sent but its answer was lost: the store may or may not have applied it. It is never
 * sent again on its own, because a repeated compare-and-swap cannot tell its own earlier success
 * from a conflict; fetch the variable to learn what happened.
 */
public class OutcomeUnknownException extends HaException {
  private static final long serialVersionUID = 1L;

  public OutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }

  public OutcomeUnknownException(String message) {
    super(message);
  }
}
