package org.masterha.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.HistoryWriter;

class CheckMainTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return CheckMain.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** Writes the events to one file per process, as the campaign's processes do. */
  private void save(HistoryBuilder h) throws IOException {
    for (Event e : h.build().events()) {
      try (HistoryWriter w = HistoryWriter.open(dir, e.proc(), e.life())) {
        w.append(e);
      }
    }
  }

  @Test
  void aCleanHistoryDirectoryPassesAndWritesTheJsonSummary() throws IOException {
    save(HistoryCheckerTest.cleanHistory());
    Path json = dir.resolve("summary.json.out");

    int code =
        run(
            dir.toString(),
            "--session-timeout-ms=100",
            "--grace-ms=50",
            "--store=etcd",
            "--json=" + json);

    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("no violations", "etcd", "PASS");
    assertThat(Files.readString(json)).contains("\"store\" : \"etcd\"");
  }

  @Test
  void aViolationExitsWithOne() throws IOException {
    save(HistoryCheckerTest.cleanHistory().line("L1").act(335, "n2", 2));

    int code = run(dir.toString(), "--session-timeout-ms=100", "--grace-ms=50", "--seed=77");

    assertThat(code).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("VIOLATION of rule (a)", "seed: 77");
  }

  @Test
  void missingArgumentsExitWithTwo() {
    assertThat(run(dir.toString())).isEqualTo(2);
    assertThat(run("--session-timeout-ms=100")).isEqualTo(2);
    assertThat(run(dir.toString(), "--session-timeout-ms=100", "--nope=1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Usage: CheckMain");
  }
}
