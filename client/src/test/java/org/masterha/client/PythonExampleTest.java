package org.masterha.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.master.DemoMaster;
import org.masterha.demo.master.MasterOptions;
import org.masterha.ha.HaBackends;

/**
 * The Python example of docs/frameworks.md ({@code examples/python}) run for real: stubs generated
 * from master-api's .proto files with Debian's grpc_tools, then {@code find_leader.py} against real
 * masters in this JVM: GetInfo through a follower with the first endpoint down, and WatchLeader
 * through a failover. Needs Debian's python3-grpcio and python3-grpc-tools (bin/test installs
 * them).
 */
class PythonExampleTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path EXAMPLE = ROOT.resolve("examples/python");
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final HaBackends backends = HaBackends.load();
  private final List<AutoCloseable> open = new ArrayList<>();

  @TempDir Path dir;

  @AfterEach
  void closeAll() throws Exception {
    java.util.Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /**
   * The first Python with grpc and grpc_tools: python3 on the PATH, else Debian's own (a PATH
   * python3 may be another installation, e.g. pyenv's, without Debian's packages).
   */
  private static String python() throws Exception {
    for (String candidate : List.of("python3", "/usr/bin/python3")) {
      try {
        Process p =
            new ProcessBuilder(candidate, "-c", "import grpc, grpc_tools")
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return candidate;
        }
      } catch (IOException e) {
        // Not installed; try the next.
      }
    }
    return fail(
        "no python3 here can import grpc and grpc_tools, which the Python example of"
            + " docs/frameworks.md needs: install Debian's python3-grpcio and python3-grpc-tools"
            + " (apt-get install python3-grpcio python3-grpc-tools; bin/test installs them)");
  }

  private DemoMaster master(String name) throws Exception {
    MasterOptions o =
        MasterOptions.parse(
            MasterOptions.FLAGS.parse(
                "--ha-url=standalone:///python-example",
                "--port=0",
                "--ip=127.0.0.1",
                "--name=" + name,
                "--session-timeout=2s"),
            backends);
    DemoMaster m = new DemoMaster(o, backends, code -> {});
    m.start();
    open.add(m);
    return m;
  }

  private Process start(String python, Path gen, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(List.of(python, EXAMPLE.resolve("find_leader.py").toString()));
    command.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(command).redirectError(dir.resolve("stderr").toFile());
    b.environment().put("PYTHONPATH", gen.toString());
    Process p = b.start();
    open.add(p::destroyForcibly);
    return p;
  }

  /** Lines of {@code p}'s output as they come. */
  private static BlockingQueue<String> lines(Process p) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  lines.add(l);
                }
              } catch (IOException e) {
                // The process ended.
              }
            },
            "python-output");
    t.setDaemon(true);
    t.start();
    return lines;
  }

  private static String awaitLine(BlockingQueue<String> lines, String prefix) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String l = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (l != null && l.startsWith(prefix)) {
        return l;
      }
      Optional.ofNullable(l).ifPresent(seen::add);
    }
    return fail("no line starting with '" + prefix + "' within " + WAIT + "; saw " + seen);
  }

  @Test
  void thePythonExampleFindsAndFollowsTheLeader() throws Exception {
    String python = python();
    Path gen = dir.resolve("gen");
    ProcessBuilder generator =
        new ProcessBuilder(EXAMPLE.resolve("generate.sh").toString(), gen.toString())
            .redirectErrorStream(true);
    generator.environment().put("PYTHON", python);
    Process generate = generator.start();
    String out = new String(generate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(generate.waitFor()).as("generate.sh: %s", out).isZero();

    DemoMaster m1 = master("m1");
    await().atMost(WAIT).until(() -> m1.view().leading());
    DemoMaster m2 = master("m2");
    await().atMost(WAIT).until(() -> m2.view().detectedLeader().isPresent());
    String e1 = "127.0.0.1:" + m1.port();
    String e2 = "127.0.0.1:" + m2.port();
    String dead = "127.0.0.1:" + LeaderClientProtocolTest.deadPort();

    // GetInfo: the first endpoint is down, the follower names the leader.
    Process once = start(python, gen, "--master=" + dead + "," + e2);
    String answer = new String(once.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(once.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(once.exitValue()).as("find_leader.py: %s", answer).isZero();
    assertThat(answer)
        .contains("master endpoint=" + e2 + " backend=standalone leading=false")
        .contains(
            "leader pid="
                + m1.info().getPid()
                + " endpoint="
                + e1
                + " epoch="
                + m1.view().epoch()
                + " reported_by="
                + e2);

    // WatchLeader: the watched leader goes away; the script moves on and reports its successor.
    Process watch = start(python, gen, "--master=" + e1 + "," + e2, "--watch=0");
    BlockingQueue<String> lines = lines(watch);
    assertThat(awaitLine(lines, "leader "))
        .isEqualTo(
            "leader pid="
                + m1.info().getPid()
                + " endpoint="
                + e1
                + " epoch="
                + m1.view().epoch()
                + " reported_by="
                + e1);
    m1.close();
    await().atMost(WAIT).until(() -> m2.view().leading());
    assertThat(awaitLine(lines, "leader "))
        .isEqualTo(
            "leader pid="
                + m2.info().getPid()
                + " endpoint="
                + e2
                + " epoch="
                + m2.view().epoch()
                + " reported_by="
                + e2);
  }
}
