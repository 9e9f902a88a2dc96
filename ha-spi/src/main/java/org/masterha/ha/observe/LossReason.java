package org.masterha.ha.observe;

/** Why a candidacy ended, as reported to {@link SessionObserver#candidacyLost}. */
public enum LossReason {
  /** Withdrawn by its owner ({@code Contender.withdraw()}). */
  WITHDRAWN,
  /** Its session was closed by its owner. */
  SESSION_CLOSED,
  /**
   * Its session was lost: expired in the store, or no renewal was confirmed for the session timeout
   * (the local liveness deadline passed).
   */
  SESSION_LOST,
  /** Its member was deleted by someone else while the session was live. */
  REMOVED;

  /** The name used in metric tags: lower case, e.g. {@code session_lost}. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
