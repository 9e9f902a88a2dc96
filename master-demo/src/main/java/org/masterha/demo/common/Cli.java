package org.masterha.demo.common;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.masterha.ha.error.HaConfigException;

/** The process-level wrapper for a main method: usage errors exit 2 with one clear line and the usage. */
public final class Cli {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  // gRPC logs through java.util.logging; keep its start-up chatter out of the process's error stream. Held here
  // because JUL keeps loggers only weakly.
  private static final java.util.logging.Logger GRPC_JUL = java.util.logging.Logger.getLogger("io.grpc");

  private Cli() {}

  /**
   * Runs {@code body} and returns the exit code it returns; a {@link UsageException} or {@link HaConfigException}
   * prints {@code program: message}, then the usage, and returns {@link #EXIT_USAGE}.
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
    } catch (Exception e) {
      err.println(program + ": " + e);
      err.flush();
      return EXIT_FAILURE;
    }
  }
}
