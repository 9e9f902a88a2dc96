package org.masterha.ha.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;

/** The standalone state's persistence; the fencing and CAS rules are the conformance suite's. */
class StandaloneStateTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static HaConfig config(Path file) {
    return HaConfig.builder()
        .url("standalone:///masterha")
        .sessionTimeout(Duration.ofSeconds(2))
        .option(StandaloneBackend.STATE_FILE_OPTION, file.toString())
        .build();
  }

  @Test
  void stateSurvivesARestartThroughTheStateFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.bin");
    Variable stored;
    try (HaSession session = HaBackends.load().open(config(file))) {
      State state = session.state();
      stored =
          state
              .store(state.fetch("agents").get(5, TimeUnit.SECONDS), bytes("a1,a2"))
              .get(5, TimeUnit.SECONDS)
              .orElseThrow();
      Variable other =
          state
              .store(Variable.absent("frameworks"), bytes("f1"))
              .get(5, TimeUnit.SECONDS)
              .orElseThrow();
      assertThat(state.expunge(other).get(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.size(file)).isPositive();

    // A new backend instance is a new process as far as the store is concerned: it only has the
    // file.
    try (HaSession session = HaBackends.load().open(config(file))) {
      State state = session.state();
      Variable fetched = state.fetch("agents").get(5, TimeUnit.SECONDS);
      assertThat(fetched).isEqualTo(stored);
      assertThat(state.names().get(5, TimeUnit.SECONDS)).containsExactly("agents");
      // Versions keep increasing across the restart, so an old Variable cannot win a CAS.
      Variable next = state.store(fetched, bytes("a1")).get(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(next.version()).isGreaterThan(stored.version());
      assertThat(state.store(stored, bytes("stale")).get(5, TimeUnit.SECONDS)).isEmpty();
    }
  }

  @Test
  void aWriteWhoseSaveFailsChangesNothing(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.bin");
    try (HaSession session = HaBackends.load().open(config(file))) {
      State state = session.state();
      Variable v1 =
          state
              .store(Variable.absent("agents"), bytes("a1"))
              .get(5, TimeUnit.SECONDS)
              .orElseThrow();
      // The save writes a sibling temporary file first; a directory in its place makes that fail.
      Files.createDirectory(dir.resolve("state.bin.tmp"));
      assertThatThrownBy(() -> state.store(v1, bytes("a1,a2")).join())
          .hasMessageContaining("cannot be written");
      assertThatThrownBy(() -> state.expunge(v1).join()).hasMessageContaining("cannot be written");
      assertThat(state.fetch("agents").get(5, TimeUnit.SECONDS)).isEqualTo(v1);
      Files.delete(dir.resolve("state.bin.tmp"));
      Variable v2 = state.store(v1, bytes("a1,a2")).get(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(v2.version()).isGreaterThan(v1.version());
    }
  }

  @Test
  void aFileThatIsNotAStateFileIsRefusedWithoutBeingOverwritten(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("state.bin");
    Files.writeString(file, "not a state file at all");
    assertThatThrownBy(() -> HaBackends.load().open(config(file)))
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a masterha state file");
    assertThat(Files.readString(file)).isEqualTo("not a state file at all");
  }

  @Test
  void unknownOptionsAreRefusedByName() {
    HaConfig config =
        HaConfig.builder()
            .url("standalone:///masterha")
            .option("standalone.stat-file", "/tmp/x")
            .build();
    assertThatThrownBy(() -> HaBackends.load().open(config))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("standalone.stat-file")
        .hasMessageContaining(StandaloneBackend.STATE_FILE_OPTION);
  }

  @Test
  void tooLargeValuesAndBadNamesAreRefused() {
    try (HaSession session = HaBackends.load().open(HaConfig.of("standalone:///masterha"))) {
      State state = session.state();
      byte[] big = new byte[state.maxValueBytes() + 1];
      assertThatThrownBy(() -> state.store(Variable.absent("big"), big).join())
          .isInstanceOf(CompletionException.class)
          .hasMessageContaining("'big'")
          .hasMessageContaining("at most");
      assertThatThrownBy(() -> state.fetch("../etc").join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'../etc'");
      assertThat(state.expunge(Variable.absent("nothing")).join()).isFalse();
      assertThat(state.fetch("nothing").join()).isEqualTo(Variable.absent("nothing"));
    }
  }
}
