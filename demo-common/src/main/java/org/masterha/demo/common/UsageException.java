package org.masterha.demo.common;

/**
 * A bad command line: the message names the flag and what it accepts. The process exits with code
 * 2.
 */
public class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }

  public UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
