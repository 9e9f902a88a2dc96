package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;

/**
 * {@code bin/demo --backend=raft}: three masters that are also the raft quorum (a peer inside each,
 * nothing else started), the leading master killed with kill -9, and the failover to one of the two
 * left, which still make a majority.
 */
class RaftDemoEndToEndTest {
  @TempDir Path dir;

  @Test
  void theMastersAreTheQuorumAndFailOver() throws Exception {
    Path run = dir.resolve("run");
    JvmProcess demo =
        JvmProcess.start(
            "demo",
            "org.masterha.demo.launcher.DemoLauncher",
            List.of(
                "--backend=raft",
                "--masters=3",
                "--agents=1",
                // Room for Raft elections while four JVMs start on a loaded machine: a session
                // whose first keep-alive is confirmed after its timeout is lost.
                "--session-timeout=8s",
                "--reregistration-timeout=1s",
                "--dir=" + run),
            dir,
            new EventLog());
    java.util.Optional<Integer> exit = demo.waitFor(Duration.ofMinutes(2));
    String out = Files.readString(dir.resolve("demo.out"), StandardCharsets.UTF_8);
    assertThat(exit).as("bin/demo's exit code; it printed:%n%s", out).contains(0);
    assertThat(out)
        .contains("a raft quorum of the 3 masters themselves")
        .containsPattern("m\\d +ELECTED leader, epoch \\d+")
        .containsPattern("demo +kill -9 m\\d \\(pid \\d+\\)")
        .containsPattern("a1 +RE-REGISTERED with m\\d")
        .containsPattern("m\\d was elected with epoch \\d+ at \\+[0-9.]+s: \\d+ ms after the kill")
        .contains("done; logs in");
    String killed = out.replaceAll("(?s).*kill -9 (m\\d) .*", "$1");
    String elected = out.replaceAll("(?s).*summary:.*?(m\\d) was elected with epoch.*", "$1");
    assertThat(elected).as("the new leader").isNotEqualTo(killed);
    // Each master ran its own peer: the master's log says so, with the peer's id.
    for (int i = 1; i <= 3; i++) {
      assertThat(Files.readString(run.resolve("m" + i + ".log"), StandardCharsets.UTF_8))
          .as("m%d's log", i)
          .contains("started raft peer n" + i + " at 127.0.0.1:");
    }
  }
}
