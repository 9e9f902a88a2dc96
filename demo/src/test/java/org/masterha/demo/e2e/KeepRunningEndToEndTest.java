package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;

/**
 * {@code bin/demo --keep-running}, as a newcomer plays with it: the cluster stays up after the
 * failover, the printed resolve command works against it, and Ctrl-C (SIGINT) or SIGTERM stops
 * everything with exit 0, removing the temporary directory unless --dir was given.
 */
class KeepRunningEndToEndTest {
  private static final Pattern TRY =
      Pattern.compile("(?m)^  try +bin/masterha resolve (\\S+) --watch$");
  private static final Pattern PID =
      Pattern.compile("(?m)^ +\\+[0-9.]+s  (\\w+) +started, pid (\\d+)");
  private static final Pattern LEADER =
      Pattern.compile(
          "(?m)^  (m\\d) +gRPC on (127\\.0\\.0\\.1:\\d+), pid \\d+, the leader \\(epoch \\d+\\)$");

  @TempDir Path dir;

  @Test
  void sigtermStopsTheClusterAndRemovesTheTemporaryDirectory() throws Exception {
    Played run = play("term", List.of());
    Path logs = Path.of(run.header().replaceAll("(?s).*; logs in (\\S+)\\R.*", "$1"));
    assertThat(logs).isDirectory();
    run.demo().terminate();
    assertThat(run.demo().waitFor(Duration.ofSeconds(60)))
        .as("exit code after SIGTERM")
        .contains(0);
    assertStopped(run);
    assertThat(logs).as("the temporary directory").doesNotExist();
    assertThat(Files.readString(run.out()))
        .contains("SIGTERM: stopping the cluster and the store")
        .contains("done; removed " + logs);
  }

  @Test
  void ctrlCStopsTheClusterAndKeepsTheDirectoryGiven() throws Exception {
    Assumptions.assumeFalse(
        sigintIgnored(),
        "SIGINT is ignored by this JVM (started in the background), so by its children too");
    Path given = dir.resolve("given");
    Played run = play("int", List.of("--dir=" + given));
    Process kill =
        new ProcessBuilder("kill", "-INT", Long.toString(run.demo().pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
        .as("kill -INT")
        .isTrue();
    assertThat(run.demo().waitFor(Duration.ofSeconds(60))).as("exit code after Ctrl-C").contains(0);
    assertStopped(run);
    assertThat(given.resolve("m1.log")).as("--dir keeps the logs").exists();
    assertThat(Files.readString(run.out()))
        .contains("SIGINT: stopping the cluster and the store")
        .contains("done; logs in " + given);
  }

  private record Played(JvmProcess demo, Path out, String header, List<Long> pids) {}

  /**
   * Starts the demo with --keep-running, waits for what it prints, and checks the resolve command
   * it suggests.
   */
  private Played play(String name, List<String> extra) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("--keep-running", "--masters=2", "--agents=1", "--session-timeout=2s"));
    args.addAll(extra);
    JvmProcess demo =
        JvmProcess.start(
            name, "org.masterha.demo.launcher.DemoLauncher", args, dir, new EventLog());
    Path out = dir.resolve(name + ".out");
    try {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .failFast("the demo ended", () -> !demo.isAlive())
          .until(() -> TRY.matcher(read(out)).find());
      String text = read(out);
      assertThat(text)
          .contains("the cluster keeps running (--keep-running)")
          .containsPattern("(?m)^  store +\\S+  \\(embedded ZooKeeper")
          .containsPattern("(?m)^  m1 +gRPC on 127\\.0\\.0\\.1:\\d+, pid \\d+")
          .containsPattern("(?m)^  m2 +gRPC on 127\\.0\\.0\\.1:\\d+, pid \\d+");
      Matcher url = TRY.matcher(text);
      assertThat(url.find()).isTrue();
      Matcher leader = LEADER.matcher(text);
      assertThat(leader.find()).as("the leader's line").isTrue();
      // The command it prints works, and names the leader it printed.
      CommandLine resolve = CommandLine.resolve(dir, name + "-resolve", Map.of(), url.group(1));
      assertThat(resolve.exitCode()).as("resolve: %s", resolve.err()).isZero();
      assertThat(resolve.out()).contains("\"pid\":\"master@" + leader.group(2) + "\"");
      assertThat(demo.isAlive()).as("the demo keeps running").isTrue();
      List<Long> pids = PID.matcher(text).results().map(m -> Long.parseLong(m.group(2))).toList();
      assertThat(pids).hasSize(3);
      return new Played(demo, out, text.lines().findFirst().orElseThrow() + "\n", pids);
    } catch (Throwable t) {
      demo.stop(Duration.ofSeconds(30));
      throw t;
    }
  }

  private static void assertStopped(Played run) {
    for (long pid : run.pids()) {
      await("process " + pid + " to end")
          .atMost(Duration.ofSeconds(30))
          .until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  /** Whether SIGINT is ignored by this process (SigIgn bit 2 in /proc/self/status). */
  private static boolean sigintIgnored() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("SigIgn:"))
        .map(l -> Long.parseLong(l.substring(7).strip(), 16))
        .anyMatch(mask -> (mask & 2) != 0);
  }
}
