package org.masterha.chaos.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.HistoryWriter;

/**
 * The write a node has in flight, kept in {@code <history dir>/<proc>.pending} from just before it
 * is sent until its {@code write} event is logged. A {@code write} event is logged at completion,
 * so a node killed with kill -9 while a write is in flight leaves no event for it, though the store
 * may have applied it (and other nodes then read its op). The node's next life, right after its
 * {@code start}, logs such a write on behalf of the killed life with outcome {@code unknown}: that
 * is what it is, sent at {@code tInvoke} and never answered. Nothing is logged when the killed life
 * had logged the write's completion.
 */
public final class PendingWrite {
  private static final int TAIL_BYTES = 256 * 1024;

  private final Path dir;
  private final String proc;
  private final Path file;
  private final ObjectMapper mapper = new ObjectMapper();

  PendingWrite(Path dir, String proc) {
    this.dir = dir;
    this.proc = proc;
    this.file = dir.resolve(proc + ".pending");
  }

  /** Before sending a write. */
  void begin(int life, long epoch, String op, String prevOp, long prevVersion, long tInvoke) {
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("life", life);
    w.put("epoch", epoch);
    w.put("op", op);
    w.put("prevOp", prevOp);
    w.put("prevVersion", prevVersion);
    w.put("tInvoke", tInvoke);
    try {
      Files.writeString(file, mapper.writeValueAsString(w), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the pending write in " + file, e);
    }
  }

  /** After its {@code write} event was logged. */
  void done() {
    try {
      Files.writeString(file, "", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear " + file, e);
    }
  }

  /**
   * For the runner, after it ended node {@code proc} for good (the campaign is over): logs the
   * write the node's last life had in flight, if any, with outcome {@code unknown}.
   */
  public static void recordUnanswered(Path dir, String proc) throws IOException {
    new PendingWrite(dir, proc).recover(Integer.MAX_VALUE);
  }

  /** In a new life, after its {@code start}: logs the previous life's unanswered write, if any. */
  void recover(int life) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (!text.isEmpty()) {
      JsonNode w = mapper.readTree(text);
      int pendingLife = w.path("life").asInt();
      String op = w.path("op").asText();
      if (pendingLife < life && !completed(op)) {
        try (HistoryWriter dead = HistoryWriter.open(dir, proc, pendingLife)) {
          dead.append(
              new Event.Write(
                  System.nanoTime(),
                  proc,
                  pendingLife,
                  ChaosNode.LINE,
                  w.path("epoch").asLong(),
                  op,
                  w.path("prevOp").asText(),
                  w.path("prevVersion").asLong(),
                  w.path("tInvoke").asLong(),
                  Event.Outcome.UNKNOWN,
                  0));
        }
      }
    }
    done();
  }

  /** Whether a complete {@code write} line of {@code op} ends this process's history file. */
  private boolean completed(String op) throws IOException {
    Path history = HistoryWriter.fileOf(dir, proc);
    if (!Files.exists(history)) {
      return false;
    }
    byte[] tail;
    try (RandomAccessFile raf = new RandomAccessFile(history.toFile(), "r")) {
      long from = Math.max(0, raf.length() - TAIL_BYTES);
      tail = new byte[(int) (raf.length() - from)];
      raf.seek(from);
      raf.readFully(tail);
    }
    for (String line : new String(tail, StandardCharsets.UTF_8).split("\n")) {
      if (!line.contains("\"write\"") || !line.contains(op)) {
        continue;
      }
      try {
        JsonNode n = mapper.readTree(line);
        if (n.path("type").asText().equals("write") && n.path("op").asText().equals(op)) {
          return true;
        }
      } catch (IOException torn) {
        // a half-written line: the reader skips it, so it does not count
      }
    }
    return false;
  }
}
