package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.agent.DemoAgent;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;
import org.masterha.demo.launcher.Ports;
import org.masterha.stores.TestCertificates;

/**
 * docs/operations.md, "TLS and tokens", on real processes: a master serving its gRPC API with
 * mutual TLS and requiring the agents' token (from a file); an agent with the CA, a client
 * certificate and the token (from an environment variable) follows it through its WatchLeader
 * stream and registers; an agent with the certificates but without the token is refused
 * UNAUTHENTICATED and exits 20. No token is in any process's output.
 */
class GrpcSecurityEndToEndTest {
  /** Set for this test JVM, and so for the processes it starts, by surefire (demo/pom.xml). */
  static final String TOKEN_ENV = "MASTERHA_TEST_AGENT_TOKEN";

  static final String TOKEN = "agent-token-e2e-not-to-print";

  @TempDir Path dir;

  @Test
  void anAgentWithMutualTlsAndTheTokenRegistersAndOneWithoutTheTokenExits20() throws Exception {
    assertThat(System.getenv(TOKEN_ENV)).as("%s, set in demo/pom.xml", TOKEN_ENV).isEqualTo(TOKEN);
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    Path tokenFile = Files.writeString(dir.resolve("agent-token"), TOKEN + "\n");
    Path run = Files.createDirectories(dir.resolve("run"));
    int port = Ports.free();
    List<String> clientTls =
        List.of(
            "--tls-ca=" + certs.ca(),
            "--tls-cert=" + certs.clientCert(),
            "--tls-key=" + certs.clientKey());
    EventLog events = new EventLog();
    List<JvmProcess> started = new ArrayList<>();
    try {
      started.add(
          JvmProcess.start(
              "m1",
              "org.masterha.demo.master.MasterMain",
              List.of(
                  "--ha-url=standalone:///secure",
                  "--port=" + port,
                  "--name=m1",
                  "--session-timeout=2s",
                  "--tls-cert=" + certs.serverCert(),
                  "--tls-key=" + certs.serverKey(),
                  "--tls-client-ca=" + certs.ca(),
                  "--agent-token-file=" + tokenFile),
              run,
              events));
      Supplier<Optional<String>> masterDied =
          () ->
              started.get(0).isAlive()
                  ? Optional.empty()
                  : Optional.of(
                      "m1 exited with code "
                          + started.get(0).exitCode().orElse(-1)
                          + ": "
                          + String.join("\n", started.get(0).tail(5)));
      var elected =
          events.await(
              "m1 to be elected",
              Duration.ofSeconds(30),
              es -> es.stream().filter(e -> e.kind().equals("elected")).findFirst(),
              masterDied);
      assertThat(
              events
                  .first(e -> e.process().equals("m1") && e.kind().equals("started"))
                  .orElseThrow())
          .satisfies(
              e -> {
                assertThat(e.get("tls")).isEqualTo("mutual");
                assertThat(e.get("agent_token")).isEqualTo("required");
              });

      List<String> a1Args =
          new ArrayList<>(
              List.of(
                  "--master=127.0.0.1:" + port,
                  "--name=a1",
                  "--id=a1",
                  "--heartbeat-interval=250ms",
                  "--token-env=" + TOKEN_ENV));
      a1Args.addAll(clientTls);
      started.add(JvmProcess.start("a1", "org.masterha.demo.agent.AgentMain", a1Args, run, events));
      List<String> a2Args =
          new ArrayList<>(
              List.of(
                  "--master=127.0.0.1:" + port,
                  "--name=a2",
                  "--id=a2",
                  "--heartbeat-interval=250ms"));
      a2Args.addAll(clientTls);
      JvmProcess a2 =
          JvmProcess.start("a2", "org.masterha.demo.agent.AgentMain", a2Args, run, events);
      started.add(a2);

      var registered =
          events.await(
              "a1 to register with m1",
              Duration.ofSeconds(30),
              es ->
                  es.stream()
                      .filter(e -> e.process().equals("a1") && e.kind().equals("registered"))
                      .findFirst(),
              masterDied);
      assertThat(registered.get("epoch")).isEqualTo(elected.get("epoch"));

      Optional<Integer> a2Exit = a2.waitFor(Duration.ofSeconds(30));
      assertThat(a2Exit)
          .as("a2's exit code; its log: %s", a2.tail(5))
          .contains(DemoAgent.EXIT_UNAUTHENTICATED);
      assertThat(String.join("\n", a2.tail(20)))
          .contains("refused register with UNAUTHENTICATED: no agent token was presented");
      assertThat(events.first(e -> e.process().equals("a2") && e.kind().equals("registered")))
          .isEmpty();
      assertThat(events.first(e -> e.process().equals("m1") && e.kind().equals("agent-refused")))
          .isPresent();
      assertThat(started.get(1).isAlive()).as("a1 still runs").isTrue();
    } finally {
      for (JvmProcess p : started) {
        p.stop(Duration.ofSeconds(10));
      }
    }
    try (Stream<Path> files = Files.list(run)) {
      for (Path f : files.toList()) {
        assertThat(Files.readString(f, StandardCharsets.UTF_8)).as("%s", f).doesNotContain(TOKEN);
      }
    }
  }
}
