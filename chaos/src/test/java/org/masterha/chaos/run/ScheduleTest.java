package org.masterha.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  private static List<Schedule.Fault> draw(long seed, boolean realCluster, Optional<String> named) {
    return Schedule.draw(seed, 500, 3, 3, realCluster, true, 1000, named);
  }

  @Test
  void theSameSeedGivesTheSameSchedule() {
    assertThat(draw(7, true, Optional.empty())).isEqualTo(draw(7, true, Optional.empty()));
    assertThat(draw(7, true, Optional.empty())).isNotEqualTo(draw(8, true, Optional.empty()));
  }

  @Test
  void aStoreHasTheSameScheduleAloneAndWithTheOthers() {
    assertThat(Schedule.seedFor(5, "etcd")).isNotEqualTo(Schedule.seedFor(5, "zookeeper"));
    assertThat(Schedule.seedFor(5, "etcd")).isEqualTo(Schedule.seedFor(5, "etcd"));
  }

  @Test
  void everyKindIsDrawnAndDurationsFollowTheSessionTimeout() {
    List<Schedule.Fault> faults = draw(1, true, Optional.empty());
    Set<String> kinds =
        faults.stream()
            .flatMap(f -> f.parts().stream())
            .map(Schedule.Part::kind)
            .collect(Collectors.toSet());
    assertThat(kinds)
        .contains(
            "kill-node",
            "pause-node",
            "freeze-connection",
            "cut-connection",
            "block-callbacks",
            "kill-store-member",
            "kill-store-leader",
            "pause-store",
            "paused-leader",
            "ghost-member");
    assertThat(faults).anyMatch(f -> f.parts().size() == 2);
    for (Schedule.Fault f : faults) {
      for (Schedule.Part p : f.parts()) {
        switch (p.kind()) {
          case "pause-node" -> assertThat(p.durationMs()).isBetween(200L, 3000L);
          case "paused-leader" -> {
            assertThat(p.durationMs()).isBetween(1100L, 2000L);
            assertThat(p.leader()).isTrue();
          }
          default -> assertThat(p.durationMs()).isBetween(0L, 3000L);
        }
      }
      if (f.parts().size() == 2) {
        assertThat(f.parts().get(0).kind()).isNotEqualTo(f.parts().get(1).kind());
        assertThat(f.parts().get(0).onStore() && f.parts().get(1).onStore()).isFalse();
      }
    }
  }

  @Test
  void theFakeIsPausedNeverKilled() {
    assertThat(draw(3, false, Optional.empty()))
        .flatMap(Schedule.Fault::parts)
        .noneMatch(p -> p.kind().startsWith("kill-store"));
  }

  @Test
  void aNamedScheduleIsEveryFault() {
    assertThat(draw(3, true, Optional.of("paused-leader")))
        .flatMap(Schedule.Fault::parts)
        .allMatch(p -> p.kind().equals("paused-leader"));
  }

  @Test
  void badFlagsAreRefused() {
    assertThatThrownBy(() -> ChaosMain.parse(new String[] {"--faults=3"}))
        .hasMessageContaining("--backend is required");
    assertThatThrownBy(
            () -> ChaosMain.parse(new String[] {"--backend=consul", "--session-timeout=1s"}))
        .hasMessageContaining("at least 2000ms");
    assertThatThrownBy(() -> ChaosMain.parse(new String[] {"--backend=etcd", "--nodes=6"}))
        .hasMessageContaining("3 to 5");
    assertThatThrownBy(() -> ChaosMain.parse(new String[] {"--backend=etcd", "--schedule=x"}))
        .hasMessageContaining("paused-leader");
    assertThatThrownBy(
            () -> ChaosMain.parse(new String[] {"--backend=consul", "--consul=127.0.0.1:8500"}))
        .hasMessageContaining("--consul needs --session-timeout");
    assertThat(ChaosMain.parse(new String[] {"--backend=all", "--seed=4"}).backends())
        .containsExactly("zookeeper", "etcd", "consul", "raft");
  }
}
