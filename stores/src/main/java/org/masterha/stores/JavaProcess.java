package org.masterha.stores;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java main class run in a JVM of its own, with this JVM's class path, its output appended to a
 * log file. It can be stopped (SIGTERM), killed (SIGKILL), paused (SIGSTOP) and resumed.
 */
public final class JavaProcess {
  private final String name;
  private final Process process;
  private final Path log;

  /** Set when we stopped or killed it, so its exit is not taken for a crash. */
  private volatile boolean ended;

  private JavaProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code mainClass} with {@code jvmOptions} (heap, system properties) and {@code args};
   * {@code log} gets a first line with the command, then the process's standard output and error.
   */
  public static JavaProcess start(
      String name, List<String> jvmOptions, String mainClass, List<String> args, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(
        log,
        "==== " + name + ": " + mainClass + " " + String.join(" ", args) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new JavaProcess(name, process, log);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Its exit status; it must have exited. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Whether it exited on its own, not through {@link #stop} or {@link #kill}. */
  public boolean crashed() {
    return !process.isAlive() && !ended;
  }

  public Path log() {
    return log;
  }

  /** SIGTERM, then SIGKILL if it is still there after {@code grace}. */
  public void stop(Duration grace) throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    ended = true;
    resumeQuietly();
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws InterruptedException {
    ended = true;
    process.destroyForcibly();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + pid() + ") outlived SIGKILL by 15 s");
    }
  }

  /**
   * Writes {@code line} and a newline to the process's standard input (a control channel for
   * processes that read one) and flushes it.
   */
  public void send(String line) throws IOException {
    var in = process.getOutputStream();
    synchronized (in) {
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
  }

  /** SIGSTOP: frozen, with its sockets open. */
  public void pause() {
    Signals.stop(pid());
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    Signals.resume(pid());
  }

  private void resumeQuietly() {
    try {
      Signals.resume(pid());
    } catch (IllegalStateException gone) {
      // it exited in between: nothing to resume
    }
  }

  /** The last {@code lines} lines of the log, for error messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log at " + log + ": " + e + ")";
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
