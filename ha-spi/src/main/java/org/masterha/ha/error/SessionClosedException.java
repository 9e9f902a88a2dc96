package org.masterha.ha.error;

/** The session was closed; operations issued on it, and watches still waiting, fail with this. */
public class SessionClosedException extends HaException {
  private static final long serialVersionUID = 1L;

  public SessionClosedException(String message) {
    super(message);
  }
}
