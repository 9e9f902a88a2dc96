package org.masterha.masterinfo;

/**
 * Member data that is not a MasterInfo in the format its label promises; the message says what is
 * wrong.
 */
public class MalformedMasterInfoException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedMasterInfoException(String message) {
    super(message);
  }

  public MalformedMasterInfoException(String message, Throwable cause) {
    super(message, cause);
  }
}
