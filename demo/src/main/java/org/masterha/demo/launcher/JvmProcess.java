package org.masterha.demo.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.masterha.demo.common.Events;

/**
 * A master or agent running in a JVM of its own: its EVENT lines (standard output) feed the {@link
 * EventLog} and {@code <name>.out}; its log (standard error) goes to {@code <name>.log}. Small heap
 * and C1 only, so a handful of them start quickly on two cores.
 */
public final class JvmProcess {
  public static final List<String> JVM_FLAGS =
      List.of(
          "-Xmx128m",
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:-UsePerfData",
          "-Xshare:auto");

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread reader;

  private JvmProcess(String name, Process process, Path log, Thread reader) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.reader = reader;
  }

  public static JvmProcess start(
      String name, String mainClass, List<String> args, Path dir, EventLog events)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    Path out = dir.resolve(name + ".out");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectError(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    p.getOutputStream().close();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter w =
                      new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8), true)) {
                String line;
                while ((line = r.readLine()) != null) {
                  w.println(line);
                  Events.Event e = Events.parse(line);
                  if (e != null) {
                    events.add(name, e);
                  }
                }
              } catch (IOException e) {
                // The process is gone.
              } finally {
                events.poke();
              }
            },
            "out-" + name);
    reader.setDaemon(true);
    reader.start();
    p.onExit().thenRun(events::poke);
    return new JvmProcess(name, p, log, reader);
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

  public Optional<Integer> exitCode() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  public Path logFile() {
    return log;
  }

  /** kill -9: no shutdown hook runs, the session is left to expire. */
  public void kill9() {
    // Through the handle: Process.destroy*() would also close our end of its output, losing its
    // last lines.
    process.toHandle().destroyForcibly();
  }

  /** SIGTERM: the shutdown hook runs and the process leaves the group at once. */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** SIGSTOP: frozen, as by a long GC pause or a stalled VM. */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String sig) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  /** Waits for the process to end; empty if it is still running after {@code timeout}. */
  public Optional<Integer> waitFor(Duration timeout) throws InterruptedException {
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      reader.join(2000);
      return Optional.of(process.exitValue());
    }
    return Optional.empty();
  }

  /** SIGTERM, then SIGKILL if it has not ended within {@code grace}. */
  public void stop(Duration grace) throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.toHandle().destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      process.toHandle().destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    reader.join(2000);
  }

  /** The first lines of the process's log, e.g. the one line a usage error starts with. */
  public List<String> head(int lines) {
    try (java.util.stream.Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
      return all.limit(lines).toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      return List.of("(no log: " + e.getMessage() + ")");
    }
  }

  /** The last lines of the process's log, for failure reports. */
  public List<String> tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException e) {
      return List.of("(no log: " + e.getMessage() + ")");
    }
  }
}
