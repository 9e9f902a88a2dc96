package org.masterha.stores;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Sends POSIX signals to a process by id with the system's {@code kill} command: Java can kill a
 * process ({@link Process#destroyForcibly()}) but cannot pause one, and a pause (SIGSTOP) longer
 * than the session timeout is the fault that breaks leader election.
 */
public final class Signals {
  private Signals() {}

  /** SIGSTOP: the process stops running at once; its sockets stay open. */
  public static void stop(long pid) {
    send("STOP", pid);
  }

  /** SIGCONT: a stopped process runs again. */
  public static void resume(long pid) {
    send("CONT", pid);
  }

  /** SIGKILL: the process dies without running anything more. */
  public static void kill(long pid) {
    send("KILL", pid);
  }

  private static void send(String signal, long pid) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      String output = new String(kill.getInputStream().readAllBytes()).trim();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + signal + " " + pid + " did not finish in 10 s");
      }
      if (kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill -" + signal + " " + pid + " failed (" + kill.exitValue() + "): " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run kill -" + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending " + signal + " to " + pid, e);
    }
  }
}
