package org.masterha.chaos.history;

/**
 * A history file holds a line that is not an event and cannot be explained by a process killed in
 * the middle of writing it. The history cannot be trusted, so it is not checked.
 */
public final class HistoryFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HistoryFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
