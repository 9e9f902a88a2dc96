package org.masterha.ha.error;

/**
 * A fatal failure of a coordination operation; retryable errors are retried inside a backend, never
 * surfaced.
 */
public class HaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HaException(String message) {
    super(message);
  }

  public HaException(String message, Throwable cause) {
    super(message, cause);
  }
}
