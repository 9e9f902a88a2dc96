package org.masterha.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Follows the nodes' history files as they grow, for the nemesis: who acts as leader now, and when
 * a node life has started. Not the checker: it reads only {@code act} and {@code start} lines.
 */
final class HistoryWatch {
  private final Path dir;
  private final List<String> procs;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<String, Long> offsets = new HashMap<>();
  private final Map<String, StringBuilder> partial = new HashMap<>();
  private final Map<String, Long> lastAct = new HashMap<>();
  private final Map<String, Integer> startedLife = new HashMap<>();
  private long lastElected = Long.MIN_VALUE;

  HistoryWatch(Path dir, List<String> procs) {
    this.dir = dir;
    this.procs = procs;
  }

  /** Reads what was appended since the last poll. */
  synchronized void poll() {
    for (String proc : procs) {
      Path file = dir.resolve(proc + ".jsonl");
      if (!file.toFile().exists()) {
        continue;
      }
      long offset = offsets.getOrDefault(proc, 0L);
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
        long length = raf.length();
        if (length <= offset) {
          continue;
        }
        byte[] bytes = new byte[(int) Math.min(length - offset, 16 << 20)];
        raf.seek(offset);
        raf.readFully(bytes);
        offsets.put(proc, offset + bytes.length);
        StringBuilder buf = partial.computeIfAbsent(proc, p -> new StringBuilder());
        buf.append(new String(bytes, StandardCharsets.UTF_8));
        int nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          String line = buf.substring(0, nl);
          buf.delete(0, nl + 1);
          take(proc, line);
        }
      } catch (IOException e) {
        // read it at the next poll
      }
    }
  }

  private void take(String proc, String line) {
    if (!line.contains("\"act\"") && !line.contains("\"start\"") && !line.contains("\"elected\"")) {
      return;
    }
    try {
      JsonNode n = mapper.readTree(line);
      String type = n.path("type").asText();
      if (type.equals("act")) {
        lastAct.merge(proc, n.path("t").asLong(), Math::max);
      } else if (type.equals("elected")) {
        lastElected = Math.max(lastElected, n.path("t").asLong());
      } else if (type.equals("start")) {
        startedLife.merge(proc, n.path("life").asInt(), Math::max);
      }
    } catch (IOException e) {
      // a torn line of a killed process
    }
  }

  /** The node whose last act is the latest, if it acted within {@code withinNanos} of now. */
  synchronized Optional<String> actingLeader(long withinNanos) {
    poll();
    long now = System.nanoTime();
    return lastAct.entrySet().stream()
        .filter(e -> now - e.getValue() <= withinNanos)
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey);
  }

  /** The latest act by any node, or {@code Long.MIN_VALUE}. */
  synchronized long lastActAnywhere() {
    poll();
    return lastAct.values().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
  }

  /** Whether any node was elected after {@code nanos}. */
  synchronized boolean electedSince(long nanos) {
    poll();
    return lastElected != Long.MIN_VALUE && lastElected - nanos > 0;
  }

  /** The highest life of {@code proc} that logged its start. */
  synchronized int startedLife(String proc) {
    poll();
    return startedLife.getOrDefault(proc, 0);
  }
}
