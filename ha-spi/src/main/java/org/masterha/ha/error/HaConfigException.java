package org.masterha.ha.error;

/** An invalid configuration value: the message names the value and says what is accepted. */
public class HaConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public HaConfigException(String message) {
    super(message);
  }

  public HaConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
