package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.demo.launcher.Cluster;
import org.masterha.demo.launcher.ExternalStore;
import org.masterha.demo.launcher.Ports;

/**
 * Errors a new user meets in the first minutes say their cause in one line, without a Java class
 * name or a stack trace: bin/demo given a Consul agent it cannot use, and resolve against a store
 * that is not there.
 */
class ErrorsEndToEndTest {
  private static final String DEMO = "org.masterha.demo.launcher.DemoLauncher";

  @TempDir Path dir;

  @Test
  void theDemoChecksTheConsulAgentBeforeItStartsAnything() throws Exception {
    // A real agent's default: session_ttl_min unset ("0s" in DebugConfig), so Consul's 10s applies.
    try (FakeConsul defaults = FakeConsul.builder().build().start();
        FakeConsul raised =
            FakeConsul.builder().sessionTtlMin(Duration.ofSeconds(30)).build().start()) {
      CommandLine tooShort =
          demo("default-ttl-min", "--backend=consul", "--consul=" + defaults.hostAndPort());
      assertThat(tooShort.exitCode()).isEqualTo(2);
      assertOneLine(
          tooShort,
          "bin/demo: --session-timeout=4s is too short for the Consul agent at "
              + defaults.hostAndPort()
              + " (--consul): its session_ttl_min is 10s (Consul's default) and a session timeout maps to a session TTL of half of it;"
              + " use --session-timeout=20s or more, or lower the agent's session_ttl_min");

      CommandLine stillShort =
          demo(
              "raised-ttl-min",
              "--backend=consul",
              "--consul=" + raised.hostAndPort(),
              "--session-timeout=20s");
      assertThat(stillShort.exitCode()).isEqualTo(2);
      assertOneLine(
          stillShort,
          "bin/demo: --session-timeout=20s is too short for the Consul agent at "
              + raised.hostAndPort()
              + " (--consul): its session_ttl_min is 30s and a session timeout maps to a session TTL of half of it; use --session-timeout=1m or more");
    }
    int closed = Ports.free();
    CommandLine absent =
        demo(
            "no-agent",
            "--backend=consul",
            "--consul=127.0.0.1:" + closed,
            "--session-timeout=20s");
    assertThat(absent.exitCode()).isEqualTo(2);
    assertOneLine(
        absent,
        "bin/demo: the Consul agent at 127.0.0.1:"
            + closed
            + " (--consul) could not be reached within 3s (connection refused);"
            + " start it, or leave out --consul");
  }

  @Test
  void resolveSaysInOneLineThatTheStoreCannotBeReached() throws Exception {
    int closed = Ports.free();
    for (String scheme : List.of("zk", "etcd", "consul")) {
      String url = scheme + "://127.0.0.1:" + closed + "/mesos";
      String expected =
          "masterha resolve: the store at 127.0.0.1:"
              + closed
              + " could not be reached within 1s (connection refused)";
      CommandLine once =
          CommandLine.resolve(dir, "resolve-" + scheme, Map.of(), url, "--timeout=1s");
      assertThat(once.exitCode()).as("%s: %s", url, once.err()).isEqualTo(1);
      assertOneLine(once, expected);
      CommandLine watch =
          CommandLine.resolve(dir, "watch-" + scheme, Map.of(), url, "--timeout=1s", "--watch");
      assertThat(watch.exitCode()).as("%s --watch: %s", url, watch.err()).isEqualTo(1);
      assertOneLine(watch, expected);
    }
    // With --verbose the store client may talk, and stack traces may show; the one line is still
    // there.
    CommandLine verbose =
        CommandLine.resolve(
            dir,
            "resolve-verbose",
            Map.of(),
            "zk://127.0.0.1:" + closed + "/mesos",
            "--timeout=1s",
            "--verbose");
    assertThat(verbose.exitCode()).isEqualTo(1);
    assertThat(verbose.err())
        .contains(
            "masterha resolve: the store at 127.0.0.1:"
                + closed
                + " could not be reached within 1s");
  }

  @Test
  void aMasterThatRefusesItsFlagsIsReportedWithItsReasonNotItsUsage() throws Exception {
    // What bin/demo prints when a master it started exits 2: the reason, not the tail of the usage
    // after it.
    ExternalStore nowhere = new ExternalStore("zookeeper", "zk", "127.0.0.1:" + Ports.free());
    try (Cluster cluster = new Cluster(nowhere, "/bad-flags", Duration.ofSeconds(4), dir)) {
      cluster.startMaster("m1", "--reregistration-timeout=soon");
      assertThatThrownBy(() -> cluster.awaitElected(-1, Duration.ofSeconds(60)))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining(
              "m1 exited with code 2 (bad flags or an unusable store configuration): masterha master: flag --reregistration-timeout")
          .hasMessageNotContaining("Usage:");
    }
  }

  private CommandLine demo(String name, String... args) throws Exception {
    return CommandLine.run(dir, name, DEMO, Map.of(), List.of(args), Duration.ofSeconds(60));
  }

  /**
   * Nothing on standard output; on standard error one line starting with {@code prefix}, with no
   * class name.
   */
  private static void assertOneLine(CommandLine r, String prefix) {
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList())
        .as("standard error")
        .hasSize(1)
        .first()
        .asString()
        .startsWith(prefix)
        .doesNotContainPattern("(java|javax|org|io|com)\\.[a-z]+\\.[A-Za-z.]*(Exception|Error)")
        .doesNotContain("Exception");
  }
}
