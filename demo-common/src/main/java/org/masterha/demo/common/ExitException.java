package org.masterha.demo.common;

/**
 * A failure the user can act on, with the exit code it ends the process with: {@link Cli#run}
 * prints {@code program: message} as one line, without the usage (the flags were fine) and without
 * a stack trace.
 */
public class ExitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;

  public ExitException(int code, String message) {
    super(message);
    this.code = code;
  }

  public ExitException(int code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
