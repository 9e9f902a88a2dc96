package org.masterha.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryWriterReaderTest {
  @TempDir Path dir;

  private final HistoryReader reader = new HistoryReader();

  private static void append(Path dir, String proc, int life, Event... events) throws IOException {
    try (HistoryWriter w = HistoryWriter.open(dir, proc, life)) {
      for (Event e : events) {
        w.append(e);
      }
    }
  }

  @Test
  void everyEventTypeSurvivesTheRoundTripAndFilesMergeInTimeOrder() throws IOException {
    List<Event> n1 =
        List.of(
            new Event.Start(10, "n1", 1),
            new Event.Contending(20, "n1", 1, "L1", 3),
            new Event.Elected(40, "n1", 1, "L1", 3),
            new Event.Act(50, "n1", 1, "L1", 3),
            new Event.Write(70, "n1", 1, "L1", 3, "n1-1", "", 0, 55, Event.Outcome.OK, 7),
            new Event.Write(71, "n1", 1, "L1", 3, "n1-2", "n1-1", 7, 60, Event.Outcome.UNKNOWN, 0),
            new Event.Lost(90, "n1", 1, "L1", 3, "session expired"));
    List<Event> n2 =
        List.of(
            new Event.Start(15, "n2", 1),
            new Event.Detected(40, "n2", 1, "L1", 3, "n1"),
            new Event.Detected(95, "n2", 1, "L1", -1, ""),
            new Event.Read(96, "n2", 1, "n1-1", 7));
    List<Event> nemesis =
        List.of(
            new Event.Fault(80, "nemesis", 1, 1, "pause-node", "n1", Event.Phase.START),
            new Event.Killed(85, "nemesis", 1, "n3", 2),
            new Event.Fault(88, "nemesis", 1, 1, "pause-node", "n1", Event.Phase.HEAL));
    List<Event> runner = List.of(new Event.End(100, "runner", 1));
    append(dir, "n1", 1, n1.toArray(Event[]::new));
    append(dir, "n2", 1, n2.toArray(Event[]::new));
    append(dir, "nemesis", 1, nemesis.toArray(Event[]::new));
    append(dir, "runner", 1, runner.toArray(Event[]::new));

    History history = reader.readDirectory(dir);

    assertThat(history.notes()).isEmpty();
    assertThat(history.events()).hasSize(n1.size() + n2.size() + nemesis.size() + 1);
    assertThat(history.events()).extracting(Event::t).isSorted();
    assertThat(history.events()).containsAll(n1).containsAll(n2).containsAll(nemesis);
    // Equal t (40): file order, n1.jsonl before n2.jsonl.
    assertThat(history.events().subList(3, 5)).containsExactly(n1.get(2), n2.get(1));
  }

  @Test
  void theLineFormatIsTheAgreedOne() throws IOException {
    append(
        dir,
        "n1",
        1,
        new Event.Write(70, "n1", 1, "L1", 3, "n1-1", "", 0, 55, Event.Outcome.REFUSED, 0));
    String line = Files.readAllLines(HistoryWriter.fileOf(dir, "n1")).get(0);
    JsonNode json = JsonMapper.builder().build().readTree(line);
    assertThat(json.get("type").asText()).isEqualTo("write");
    assertThat(json.get("t").asLong()).isEqualTo(70);
    assertThat(json.get("outcome").asText()).isEqualTo("refused");
    assertThat(json.get("prevOp").asText()).isEmpty();
    assertThat(json.get("tInvoke").asLong()).isEqualTo(55);
    assertThat(json.size()).as("fields of %s", line).isEqualTo(12);

    append(dir, "n2", 1, new Event.Detected(80, "n2", 1, "L1", -1, ""));
    JsonNode detected =
        JsonMapper.builder()
            .build()
            .readTree(Files.readAllLines(HistoryWriter.fileOf(dir, "n2")).get(0));
    assertThat(detected.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("type", "t", "proc", "life", "line", "epoch", "leader");
  }

  @Test
  void theConvenienceMethodsStampProcLifeAndTime() throws IOException {
    long before = System.nanoTime();
    try (HistoryWriter w = HistoryWriter.open(dir, "n4", 2)) {
      w.start();
      w.elected("L1", 5);
      w.fault(3, "kill-node", "n1", Event.Phase.START);
    }
    List<Event> events = reader.readDirectory(dir).events();
    assertThat(events).hasSize(3).allSatisfy(e -> assertThat(e.proc()).isEqualTo("n4"));
    assertThat(events).allSatisfy(e -> assertThat(e.life()).isEqualTo(2));
    assertThat(events).allSatisfy(e -> assertThat(e.t()).isGreaterThanOrEqualTo(before));
    assertThat(events.get(1)).isInstanceOf(Event.Elected.class);
  }

  @Test
  void aHalfWrittenLastLineIsIgnoredWithANote() throws IOException {
    append(dir, "n1", 1, new Event.Start(10, "n1", 1), new Event.Elected(20, "n1", 1, "L1", 1));
    Files.writeString(
        HistoryWriter.fileOf(dir, "n1"),
        "{\"type\":\"act\",\"t\":30,\"proc\":\"n1\",\"li",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    History history = reader.readDirectory(dir);

    assertThat(history.events()).hasSize(2);
    assertThat(history.notes()).singleElement().asString().contains("n1.jsonl:3", "half-written");
  }

  @Test
  void aRestartAfterATornLineStartsOnANewLineAndTheTornLineIsIgnored() throws IOException {
    append(dir, "n1", 1, new Event.Start(10, "n1", 1));
    Files.writeString(
        HistoryWriter.fileOf(dir, "n1"),
        "{\"type\":\"elected\",\"t\":2",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    append(dir, "n1", 2, new Event.Start(50, "n1", 2), new Event.Contending(60, "n1", 2, "L1", 4));

    History history = reader.readDirectory(dir);

    assertThat(history.events())
        .containsExactly(
            new Event.Start(10, "n1", 1),
            new Event.Start(50, "n1", 2),
            new Event.Contending(60, "n1", 2, "L1", 4));
    assertThat(history.notes()).singleElement().asString().contains("before a restart");
  }

  @Test
  void aBrokenLineInTheMiddleIsAnError() throws IOException {
    Files.writeString(
        dir.resolve("n1.jsonl"),
        "{\"type\":\"start\",\"t\":1,\"proc\":\"n1\",\"life\":1}\n"
            + "{\"type\":\"elected\",\"t\":2,\"proc\":\"n1\",\"life\":1}\n"
            + "{\"type\":\"act\",\"t\":3,\"proc\":\"n1\",\"life\":1,\"line\":\"L\",\"epoch\":1}\n");
    assertThatThrownBy(() -> reader.readDirectory(dir))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("n1.jsonl:2");
  }

  @Test
  void anUnknownTypeNotBeforeARestartIsAnError() throws IOException {
    Files.writeString(
        dir.resolve("n1.jsonl"),
        "{\"type\":\"teleported\",\"t\":1,\"proc\":\"n1\",\"life\":1}\n"
            + "{\"type\":\"end\",\"t\":2,\"proc\":\"n1\",\"life\":1}\n");
    assertThatThrownBy(() -> reader.readDirectory(dir))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("n1.jsonl:1");
  }

  @Test
  void anEmptyFileIsAProcessKilledBeforeItsFirstEvent() throws IOException {
    Files.writeString(dir.resolve("n5.jsonl"), "");
    append(dir, "runner", 1, new Event.End(5, "runner", 1));
    assertThat(reader.readDirectory(dir).events()).hasSize(1);
  }
}
