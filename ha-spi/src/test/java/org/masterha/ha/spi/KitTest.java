package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.masterha.ha.error.HaConfigException;

/** The small kit pieces: labels, pending operations, threads. */
class KitTest {
  @Test
  void oneLabelRuleForEveryStore() {
    for (String ok :
        new String[] {"json.info", "info", "log_replicas", "a", "A-1.b_c", "x".repeat(128)}) {
      assertThat(MemberLabels.refusal(Optional.of(ok))).as(ok).isEmpty();
    }
    assertThat(MemberLabels.refusal(Optional.empty())).isEmpty();
    for (String bad :
        new String[] {
          "", "a/b", "..", ".hidden", "_x", "a b", "a\nb", "x@y", "é", "x".repeat(129)
        }) {
      assertThat(MemberLabels.refusal(Optional.of(bad))).as(bad).isPresent();
    }
  }

  @Test
  void aRefusedLabelFailsTheFutureAndNeverRunsTheJoin() {
    CompletableFuture<String> f =
        MemberLabels.checked(
            Optional.of("a/b"),
            () -> {
              throw new AssertionError("joined with a refused label");
            });
    assertThatThrownBy(f::join)
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a/b'")
        .hasMessageContaining("accepted");
    assertThat(
            MemberLabels.checked(
                    Optional.of("json.info"), () -> CompletableFuture.completedFuture("joined"))
                .join())
        .isEqualTo("joined");
  }

  @Test
  void closingFailsWhatIsPendingAndWhatComesLater() {
    PendingOperations pending = new PendingOperations();
    CompletableFuture<String> done = pending.track();
    done.complete("x");
    CompletableFuture<String> open = pending.track();
    assertThat(pending.size()).isEqualTo(1);
    RuntimeException cause = new IllegalStateException("session closed");
    pending.close(cause);
    assertThat(open).isCompletedExceptionally();
    assertThat(done.join()).isEqualTo("x");
    assertThat(pending.track()).isCompletedExceptionally();
    assertThat(pending.size()).isZero();
  }

  @Test
  void oneGroupPathRuleForEveryStore() {
    assertThat(GroupPaths.resolve("/mesos", "")).isEqualTo("/mesos");
    assertThat(GroupPaths.resolve("/mesos", "log_replicas")).isEqualTo("/mesos/log_replicas");
    assertThat(GroupPaths.resolve("/mesos", "a/b.c")).isEqualTo("/mesos/a/b.c");
    assertThat(GroupPaths.resolve("/mesos", "statewide")).isEqualTo("/mesos/statewide");
    for (String bad :
        new String[] {"/abs", "a//b", "a/", "..", "a/./b", "a b", "state", "state/x"}) {
      assertThatThrownBy(() -> GroupPaths.resolve("/mesos", bad))
          .as(bad)
          .isInstanceOf(HaConfigException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("log_replicas");
    }
  }

  @Test
  void threadsAreNamedDaemons() {
    Thread t = DaemonThreads.named("masterha-test /base%d").newThread(() -> {});
    assertThat(t.isDaemon()).isTrue();
    assertThat(t.getName()).isEqualTo("masterha-test /base%d-0");
  }
}
