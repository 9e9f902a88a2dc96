package org.masterha.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Appends the events of one process life to {@code <dir>/<proc>.jsonl}, one JSON object per line.
 *
 * <p>Each line goes to the file in one {@code write} system call and nothing is buffered in this
 * process, so a kill -9 loses at most the line being written: the reader ignores such a
 * half-written line. A restarted process (next life) appends to the same file; if the previous life
 * died in the middle of a line, the writer first ends that line, so the torn fragment stays on a
 * line of its own and never swallows the new life's first event.
 *
 * <p>The event methods stamp {@code System.nanoTime()} themselves, except {@link #act} and {@link
 * #write}, whose times the caller must take at the right moment. Thread-safe: a node logs from its
 * leader and detector threads at once.
 */
public final class HistoryWriter implements Closeable {
  private final String proc;
  private final int life;
  private final Path file;
  private final ObjectMapper mapper = HistoryJson.newMapper();
  private final FileOutputStream out;

  private HistoryWriter(Path file, String proc, int life, FileOutputStream out) {
    this.file = file;
    this.proc = proc;
    this.life = life;
    this.out = out;
  }

  /** The file of a process in a history directory. */
  public static Path fileOf(Path dir, String proc) {
    return dir.resolve(proc + ".jsonl");
  }

  /**
   * Opens {@code <dir>/<proc>.jsonl} for appending (creating the directory and the file if needed).
   *
   * @param life the incarnation of {@code proc}: 1 at first start, +1 at each restart
   */
  public static HistoryWriter open(Path dir, String proc, int life) throws IOException {
    Objects.requireNonNull(proc, "proc");
    if (proc.isEmpty() || proc.contains("/") || proc.contains("\\")) {
      throw new IllegalArgumentException("not a process name: '" + proc + "'");
    }
    if (life < 1) {
      throw new IllegalArgumentException("life starts at 1, was " + life);
    }
    Files.createDirectories(dir);
    Path file = fileOf(dir, proc);
    boolean tornLine = endsInsideLine(file);
    FileOutputStream out = new FileOutputStream(file.toFile(), true);
    try {
      if (tornLine) {
        out.write('\n');
      }
    } catch (IOException e) {
      out.close();
      throw e;
    }
    return new HistoryWriter(file, proc, life, out);
  }

  private static boolean endsInsideLine(Path file) throws IOException {
    if (!Files.exists(file)) {
      return false;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      if (length == 0) {
        return false;
      }
      raf.seek(length - 1);
      return raf.read() != '\n';
    }
  }

  public String proc() {
    return proc;
  }

  public int life() {
    return life;
  }

  public Path file() {
    return file;
  }

  /**
   * Writes one event as one line and hands it to the operating system before returning.
   *
   * @throws UncheckedIOException if the file cannot be written; a history with a hole would be
   *     checked wrongly, so the process should stop rather than go on
   */
  public synchronized void append(Event event) {
    byte[] line;
    try {
      line = (mapper.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + event, e);
    }
    try {
      out.write(line);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }

  public void start() {
    append(new Event.Start(System.nanoTime(), proc, life));
  }

  public void contending(String line, long epoch) {
    append(new Event.Contending(System.nanoTime(), proc, life, line, epoch));
  }

  public void elected(String line, long epoch) {
    append(new Event.Elected(System.nanoTime(), proc, life, line, epoch));
  }

  /**
   * @param t {@code System.nanoTime()} read just before asking {@code Candidacy.isLeader()}, which
   *     answered true
   */
  public void act(long t, String line, long epoch) {
    append(new Event.Act(t, proc, life, line, epoch));
  }

  /**
   * Logs a completed fenced compare-and-swap, {@code t} being now (the completion).
   *
   * @param tInvoke when the write was sent
   */
  public void write(
      String line,
      long epoch,
      String op,
      String prevOp,
      long prevVersion,
      long tInvoke,
      Event.Outcome outcome,
      long version) {
    append(
        new Event.Write(
            System.nanoTime(),
            proc,
            life,
            line,
            epoch,
            op,
            prevOp,
            prevVersion,
            tInvoke,
            outcome,
            version));
  }

  public void read(String op, long version) {
    append(new Event.Read(System.nanoTime(), proc, life, op, version));
  }

  public void lost(String line, long epoch, String reason) {
    append(new Event.Lost(System.nanoTime(), proc, life, line, epoch, reason));
  }

  /** A detector reported a leader, or no leader with {@code epoch} -1 and {@code leader} "". */
  public void detected(String line, long epoch, String leader) {
    append(new Event.Detected(System.nanoTime(), proc, life, line, epoch, leader));
  }

  public void fault(int id, String kind, String target, Event.Phase phase) {
    append(new Event.Fault(System.nanoTime(), proc, life, id, kind, target, phase));
  }

  /** Logs a kill -9; call it after the signal was sent, as the life can do nothing after it. */
  public void killed(String target, int targetLife) {
    append(new Event.Killed(System.nanoTime(), proc, life, target, targetLife));
  }

  public void end() {
    append(new Event.End(System.nanoTime(), proc, life));
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
