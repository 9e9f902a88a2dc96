package org.masterha.ha.state;

/** A value above the store's limit; nothing was written. */
public class ValueTooLargeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ValueTooLargeException(String name, int size, int max, String backend) {
    super(
        "value of state variable '"
            + name
            + "' is "
            + size
            + " bytes; the "
            + backend
            + " backend accepts at most "
            + max
            + " bytes per variable");
  }
}
