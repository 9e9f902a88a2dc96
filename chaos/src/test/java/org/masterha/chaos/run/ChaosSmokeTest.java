package org.masterha.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.History;
import org.masterha.chaos.history.HistoryReader;

/**
 * The CI smoke campaign: 8 faults per store on all four stores, through the same code as {@code
 * bin/masterha chaos}, in under two minutes on a 2-core machine.
 */
class ChaosSmokeTest {
  private static final int FAULTS = 8;

  @Test
  void eightFaultsPerStoreLeaveNoViolation() throws Exception {
    Path out = Path.of("target", "chaos-smoke-" + System.currentTimeMillis()).toAbsolutePath();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int code =
        ChaosMain.run(
            new String[] {
              "--backend=all", "--faults=" + FAULTS, "--seed=12", "--nodes=3", "--out=" + out
            },
            new PrintStream(stdout, true, StandardCharsets.UTF_8),
            System.err,
            false);
    String printed = stdout.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(code).as("exit code; output:\n%s", printed).isZero();
    for (String backend : List.of("zookeeper", "etcd", "consul", "raft")) {
      History history = new HistoryReader().readDirectory(out.resolve(backend).resolve("history"));
      Map<String, Integer> counts = new TreeMap<>();
      history.events().forEach(e -> counts.merge(Event.typeOf(e), 1, Integer::sum));
      assertThat(counts)
          .as("%s: events by type", backend)
          .containsKeys(
              "start", "contending", "elected", "act", "write", "read", "detected", "end");
      long faultStarts =
          history.events().stream()
              .filter(e -> e instanceof Event.Fault f && f.phase() == Event.Phase.START)
              .count();
      assertThat(faultStarts).as("%s: faults injected", backend).isEqualTo(FAULTS);
      assertThat(
              history.events().stream()
                  .filter(e -> e instanceof Event.Write w && w.outcome() == Event.Outcome.OK)
                  .count())
          .as("%s: accepted writes", backend)
          .isPositive();
      assertThat(Files.exists(out.resolve(backend).resolve("summary.json"))).isTrue();
      assertThat(Files.readString(out.resolve(backend).resolve("schedule.txt")))
          .contains("seed=12");
    }
  }
}
