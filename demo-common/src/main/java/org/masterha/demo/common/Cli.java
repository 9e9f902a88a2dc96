package org.masterha.demo.common;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.masterha.ha.error.HaConfigException;

/**
 * The process-level wrapper for a main method: usage errors exit 2 with one clear line and the
 * usage.
 */
public final class Cli {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  // gRPC logs through java.util.logging; keep its start-up chatter out of the process's error
  // stream. Held here
  // because JUL keeps loggers only weakly.
  private static final java.util.logging.Logger GRPC_JUL =
      java.util.logging.Logger.getLogger("io.grpc");

  private Cli() {}

  private static volatile boolean verbose;

  /** With {@code --verbose}: failures also print their stack trace. */
  public static void verbose(boolean on) {
    verbose = on;
  }

  /**
   * Runs {@code body} and returns the exit code it returns; a {@link UsageException} or {@link
   * HaConfigException} prints {@code program: message}, then the usage, and returns {@link
   * #EXIT_USAGE}; an {@link ExitException} prints {@code program: message} and returns its code;
   * anything else prints {@code program: message} and returns {@link #EXIT_FAILURE}. Messages,
   * never Java class names: a stack trace only when {@link #verbose}.
   */
  public static int run(String program, String usage, PrintStream err, Callable<Integer> body) {
    GRPC_JUL.setLevel(java.util.logging.Level.WARNING);
    try {
      return body.call();
    } catch (UsageException | HaConfigException e) {
      err.println(program + ": " + e.getMessage());
      err.println();
      err.print(usage);
      err.flush();
      return EXIT_USAGE;
    } catch (ExitException e) {
      err.println(program + ": " + e.getMessage());
      if (e.getCause() != null) {
        trace(e, err);
      }
      err.flush();
      return e.code();
    } catch (Exception e) {
      err.println(program + ": " + message(e));
      trace(e, err);
      return EXIT_FAILURE;
    }
  }

  /**
   * What went wrong, in words: the message of {@code e}, or of its cause when {@code e} only wraps
   * one; the class name only when there is no message at all (a bug, not a user error).
   */
  public static String message(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.lang.reflect.UndeclaredThrowableException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && !m.isBlank()) {
        // A wrapper's default message is its cause's toString(): "java.io.IOException: ..." reads
        // as the cause's message.
        return c.getCause() != null && m.equals(c.getCause().toString())
            ? message(c.getCause())
            : m;
      }
    }
    return "an unexpected "
        + t.getClass().getSimpleName()
        + " without a message; this is a bug, please report it";
  }

  private static void trace(Throwable e, PrintStream err) {
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
  }
}
