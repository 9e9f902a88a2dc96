package org.masterha.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.common.Events;
import org.masterha.stores.EtcdCluster;

/**
 * The tarball as a user gets it: unpacked with only {@code backends/etcd/} installed, a master and
 * an agent run from it (bin/masterha, no Maven, no build tree) against a real etcd; a backend that
 * is not installed is refused naming those that are.
 */
class DistributionIT {
  private static final Path TARBALL = Path.of(System.getProperty("masterha.tarball"));
  private static final String HOME = "masterha-" + System.getProperty("masterha.version");
  private static final Duration PROCESS_START = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  private static Path install;
  private static EtcdCluster etcd;
  private static final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void unpackWithEtcdOnly() throws Exception {
    install = Distribution.unpack(TARBALL, tmp.resolve("etcd-only")).resolve(HOME);
    // Every backend folder but etcd's goes, whichever the tarball has.
    try (Stream<Path> backends = Files.list(install.resolve("backends"))) {
      for (Path b : backends.toList()) {
        if (!b.getFileName().toString().equals("etcd")) {
          Distribution.deleteTree(b);
        }
      }
    }
    etcd = new EtcdCluster(EtcdCluster.Options.defaults(1), "DistributionIT");
    etcd.start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void aMasterAndAnAgentRunFromTheDistributionOnEtcd() throws Exception {
    String url = "etcd://" + etcd.endpoints().get(0) + "/dist-it";
    Path masterOut = tmp.resolve("master.out");
    Path agentOut = tmp.resolve("agent.out");
    start(masterOut, "master", "--ha-url=" + url, "--port=0", "--name=m1");
    String pid =
        await("the master's election; its output is in " + masterOut)
            .atMost(PROCESS_START)
            .until(() -> field(masterOut, "elected", "pid"), Objects::nonNull);

    start(agentOut, "agent", "--ha-url=" + url, "--name=a1");
    String registeredWith =
        await("the agent's registration; its output is in " + agentOut)
            .atMost(PROCESS_START)
            .until(() -> field(agentOut, "registered", "master"), Objects::nonNull);
    assertThat(registeredWith).isEqualTo(pid);
  }

  @Test
  void aBackendNotInstalledIsRefusedNamingThoseThatAre() throws Exception {
    Run byName =
        run("master", "--ha-backend=zookeeper", "--ha-url=zk://127.0.0.1:2181/mesos", "--port=0");
    assertThat(byName.exitCode).as(byName.err).isEqualTo(2);
    assertThat(byName.err)
        .contains(
            "no HA backend named 'zookeeper' is on the classpath; available: etcd (etcd://, etcds://),"
                + " standalone (standalone://)");

    Run byScheme = run("resolve", "zk://127.0.0.1:2181/mesos", "--timeout=2s");
    assertThat(byScheme.exitCode).as(byScheme.err).isEqualTo(2);
    assertThat(byScheme.err)
        .contains("no HA backend for URL scheme 'zk://' is on the classpath; available: etcd");

    Run demo = run("demo", "--backend=zookeeper");
    assertThat(demo.exitCode).as(demo.err).isEqualTo(2);
    assertThat(demo.err)
        .contains("no HA backend named 'zookeeper'", "available: etcd (etcd://, etcds://)");

    Run backends = run("backends");
    assertThat(backends.exitCode).isZero();
    assertThat(backends.out.strip()).isEqualTo("etcd");

    Run raftAdmin = run("raft-admin", "--url=raft://127.0.0.1:7070/mesos", "peers");
    assertThat(raftAdmin.exitCode).as(raftAdmin.err).isEqualTo(2);
    assertThat(raftAdmin.err)
        .contains(
            "raft-admin is part of the raft backend, which is not installed", "installed: etcd");
  }

  private static void start(Path out, String... args) throws IOException {
    ProcessBuilder pb = command(args);
    pb.redirectOutput(out.toFile());
    pb.redirectError(out.resolveSibling(out.getFileName() + ".err").toFile());
    started.add(pb.start());
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) throws Exception {
    Path out = Files.createTempFile(tmp, "run", ".out");
    Path err = Files.createTempFile(tmp, "run", ".err");
    ProcessBuilder pb = command(args);
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    Process p = pb.start();
    started.add(p);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bin/masterha %s ended", args[0]).isTrue();
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(install.resolve("bin/masterha").toString());
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    Map<String, String> env = pb.environment();
    // The JVM running the test, whatever java is on PATH; nothing of the build on the class path.
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.get("PATH"));
    env.remove("MASTERHA_CLASSPATH");
    env.remove("CLASSPATH");
    return pb;
  }

  /** The field of the first event of this kind the process printed, or null. */
  private static String field(Path out, String kind, String key) throws IOException {
    String text = Files.readString(out, StandardCharsets.UTF_8);
    // Whole lines only: the process may be writing the last one.
    return text.substring(0, text.lastIndexOf('\n') + 1)
        .lines()
        .map(Events::parse)
        .filter(e -> e != null && e.kind().equals(kind))
        .map(e -> e.get(key))
        .findFirst()
        .orElse(null);
  }
}
