package org.masterha.ha.leader;

import org.masterha.ha.error.HaException;

/** The candidacy was lost (withdrawn, expired, deleted) before it was elected. */
public class CandidacyLostException extends HaException {
  private static final long serialVersionUID = 1L;

  public CandidacyLostException(String message) {
    super(message);
  }
}
