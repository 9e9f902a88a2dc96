package org.masterha.chaos.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.HistoryReader;
import org.masterha.chaos.history.HistoryWriter;

/**
 * A write in flight when its node's life ended is logged once, as unknown: by the node's next life
 * after a kill, or by the runner after it froze and ended the nodes at the end of a campaign (a
 * smoke run found its op in the final read with no write event for it).
 */
class PendingWriteTest {
  @TempDir Path dir;

  @Test
  void theRunnerLogsTheWriteALastLifeHadInFlightAsUnknown() throws IOException {
    startLife(2);
    new PendingWrite(dir, "n3").begin(2, 4, "n3.2.3", "n3.2.2", 76, 1000);

    PendingWrite.recordUnanswered(dir, "n3");
    PendingWrite.recordUnanswered(dir, "n3");

    List<Event.Write> writes = writes();
    assertThat(writes).hasSize(1);
    Event.Write w = writes.get(0);
    assertThat(w.op()).isEqualTo("n3.2.3");
    assertThat(w.life()).isEqualTo(2);
    assertThat(w.epoch()).isEqualTo(4);
    assertThat(w.prevOp()).isEqualTo("n3.2.2");
    assertThat(w.outcome()).isEqualTo(Event.Outcome.UNKNOWN);
  }

  @Test
  void aWriteWhoseOutcomeWasLoggedIsNotLoggedAgain() throws IOException {
    startLife(2);
    PendingWrite pending = new PendingWrite(dir, "n3");
    pending.begin(2, 4, "n3.2.3", "n3.2.2", 76, 1000);
    try (HistoryWriter w = HistoryWriter.open(dir, "n3", 2)) {
      w.append(
          new Event.Write(
              2000,
              "n3",
              2,
              ChaosNode.LINE,
              4,
              "n3.2.3",
              "n3.2.2",
              76,
              1000,
              Event.Outcome.OK,
              77));
    }
    // Killed between logging the outcome and clearing the pending file.

    PendingWrite.recordUnanswered(dir, "n3");

    assertThat(writes()).extracting(Event.Write::outcome).containsExactly(Event.Outcome.OK);
  }

  private void startLife(int life) throws IOException {
    try (HistoryWriter w = HistoryWriter.open(dir, "n3", life)) {
      w.append(new Event.Start(500, "n3", life));
    }
  }

  private List<Event.Write> writes() throws IOException {
    return new HistoryReader()
        .readDirectory(dir).events().stream()
            .filter(Event.Write.class::isInstance)
            .map(Event.Write.class::cast)
            .toList();
  }
}
