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
 * The README's first command, as bin/demo runs it: the launcher in its own JVM, exit 0 and a
 * readable story.
 */
class DemoLauncherEndToEndTest {
  @TempDir Path dir;

  @Test
  void theDemoShowsAFailoverAndCleansUp() throws Exception {
    JvmProcess demo =
        JvmProcess.start(
            "demo",
            "org.masterha.demo.launcher.DemoLauncher",
            List.of(
                "--masters=3", "--agents=2", "--session-timeout=3s", "--dir=" + dir.resolve("run")),
            dir,
            new EventLog());
    assertThat(demo.waitFor(Duration.ofMinutes(3)))
        .as("bin/demo's exit code; its output is in %s", dir.resolve("demo.out"))
        .contains(0);
    String out = Files.readString(dir.resolve("demo.out"), StandardCharsets.UTF_8);
    assertThat(out)
        .contains("embedded ZooKeeper")
        .containsPattern("m\\d +ELECTED leader, epoch \\d+")
        .containsPattern("demo +kill -9 m\\d \\(pid \\d+\\)")
        .containsPattern("a1 +RE-REGISTERED with m\\d")
        .containsPattern("a2 +RE-REGISTERED with m\\d")
        .contains("summary:")
        .containsPattern("m\\d was elected with epoch \\d+ at \\+[0-9.]+s: \\d+ ms after the kill")
        .contains("done; logs in");
    // Everything it started is gone: no master or agent JVM keeps running after the demo.
    for (String p : List.of("m1", "m2", "m3", "a1", "a2")) {
      String pid =
          Files.readAllLines(dir.resolve("run").resolve(p + ".out")).stream()
              .filter(l -> l.contains("EVENT started"))
              .findFirst()
              .orElseThrow()
              .replaceAll(".* os_pid=(\\d+).*", "$1");
      assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive))
          .as("process %s (pid %s)", p, pid)
          .satisfiesAnyOf(h -> assertThat(h).isEmpty(), h -> assertThat(h).contains(false));
    }
  }
}
