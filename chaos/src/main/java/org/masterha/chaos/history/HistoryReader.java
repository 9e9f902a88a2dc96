package org.masterha.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a history directory ({@code <dir>/<proc>.jsonl} for each process) and merges it into one
 * {@link History}.
 *
 * <p>A process may be killed with kill -9 in the middle of writing a line. Such a half-written line
 * is skipped with a note when it is the last line of its file, or when the next line is the {@code
 * start} of the process's next life (which appended to the same file). Any other line that is not
 * an event is a broken history: {@link HistoryFormatException}.
 */
public final class HistoryReader {
  private final ObjectMapper mapper = HistoryJson.newMapper();

  /** Reads every {@code *.jsonl} file of {@code dir}, in file name order, and merges them. */
  public History readDirectory(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files =
          listing
              .filter(p -> p.getFileName().toString().endsWith(".jsonl"))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    }
    return readFiles(files);
  }

  /** Reads the given files; events with equal {@code t} keep the order of this list. */
  public History readFiles(List<Path> files) throws IOException {
    List<Event> events = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Path file : files) {
      readFile(file, events, notes);
    }
    return History.merge(events, notes);
  }

  private void readFile(Path file, List<Event> events, List<String> notes) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    // After a final '\n' split gives one empty string: that is not a line.
    int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
    int pendingTorn = -1; // a line that did not parse, forgiven only if a new life follows it
    JsonProcessingException pendingError = null;
    for (int i = 0; i < count; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      Event event;
      try {
        event = mapper.readValue(line, Event.class);
      } catch (JsonProcessingException e) {
        if (pendingTorn >= 0) {
          throw broken(file, pendingTorn, lines[pendingTorn], pendingError);
        }
        pendingTorn = i;
        pendingError = e;
        continue;
      }
      if (pendingTorn >= 0) {
        if (!(event instanceof Event.Start)) {
          throw broken(file, pendingTorn, lines[pendingTorn], pendingError);
        }
        notes.add(tornNote(file, pendingTorn, lines[pendingTorn], "before a restart"));
        pendingTorn = -1;
      }
      events.add(event);
    }
    if (pendingTorn >= 0) {
      notes.add(tornNote(file, pendingTorn, lines[pendingTorn], "at the end of the file"));
    }
  }

  private static String tornNote(Path file, int index, String line, String where) {
    return String.format(
        "%s:%d: ignored a half-written line %s (a process killed while writing it): %s",
        file.getFileName(), index + 1, where, abbreviate(line));
  }

  private static HistoryFormatException broken(
      Path file, int index, String line, JsonProcessingException cause) {
    return new HistoryFormatException(
        String.format(
            "%s:%d: not a history event, and not a half-written line of a killed process: %s (%s)",
            file, index + 1, abbreviate(line), cause.getOriginalMessage()),
        cause);
  }

  private static String abbreviate(String line) {
    return line.length() <= 120 ? line : line.substring(0, 117) + "...";
  }
}
