package org.masterha.demo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.common.UsageException;
import org.masterha.demo.master.DemoMaster;
import org.masterha.demo.master.MasterOptions;
import org.masterha.ha.HaBackends;
import org.masterha.stores.TestCertificates;

/**
 * Agents against an in-process master with mutual TLS and an agent token, over real gRPC on
 * loopback: an agent with the CA, a client certificate and the token follows the leader through its
 * WatchLeader stream (or the store) and registers; one without the token, or with another, is
 * refused UNAUTHENTICATED and exits with {@link DemoAgent#EXIT_UNAUTHENTICATED}; a plaintext agent
 * never registers. No token is in any log line or event.
 */
class AgentTlsAndTokenTest {
  static final String TOKEN = "agent-token-not-to-print-5b1e";
  static final String WRONG = "wrong-token-not-to-print-08d4";

  @TempDir static Path dir;
  static TestCertificates certs;
  static Path tokenFile;
  static Path wrongFile;
  static final HaBackends backends = HaBackends.load();
  static DemoMaster master;
  static LogCapture logs;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startMaster() throws Exception {
    logs = new LogCapture();
    certs = TestCertificates.create(dir.resolve("certs"));
    tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    wrongFile = Files.writeString(dir.resolve("wrong"), WRONG);
    master =
        new DemoMaster(
            MasterOptions.parse(
                MasterOptions.FLAGS.parse(
                    "--ha-url=standalone:///agent-tls",
                    "--port=0",
                    "--name=m1",
                    "--session-timeout=2s",
                    "--tls-cert=" + certs.serverCert(),
                    "--tls-key=" + certs.serverKey(),
                    "--tls-client-ca=" + certs.ca(),
                    "--agent-token-file=" + tokenFile),
                backends),
            backends,
            code -> {});
    master.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> master.view().leading());
  }

  @AfterAll
  static void stop() {
    if (master != null) {
      master.close();
    }
    logs.close();
    String all = String.join("\n", logs.lines());
    assertThat(all).contains("UNAUTHENTICATED").doesNotContain(TOKEN).doesNotContain(WRONG);
  }

  @AfterEach
  void closeAgents() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private static List<String> tlsFlags() {
    return List.of(
        "--tls-ca=" + certs.ca(),
        "--tls-cert=" + certs.clientCert(),
        "--tls-key=" + certs.clientKey());
  }

  /** An agent following the master's WatchLeader stream (or the store, with {@code viaStore}). */
  private DemoAgent agent(
      String name, boolean viaStore, CompletableFuture<Integer> exit, List<String> extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                viaStore
                    ? "--ha-url=standalone:///agent-tls"
                    : "--master=127.0.0.1:" + master.port(),
                "--name=" + name,
                "--id=" + name,
                "--heartbeat-interval=100ms"));
    args.addAll(extra);
    AgentOptions o =
        AgentOptions.parse(AgentOptions.FLAGS.parse(args.toArray(String[]::new)), backends);
    assertThat(o.toString()).doesNotContain(TOKEN).doesNotContain(WRONG);
    LeaderSource source =
        viaStore
            ? new HaLeaderSource(backends, o.ha().orElseThrow())
            : new StreamLeaderSource(o.masters(), o.heartbeatInterval(), o.tls());
    DemoAgent a = new DemoAgent(o, source, exit::complete);
    open.add(a);
    a.start();
    return a;
  }

  private static List<String> with(List<String> a, String... more) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void anAgentWithMutualTlsAndTheTokenRegistersThroughTheStreamAndTheStore() {
    String expected = master.info().getPid() + "#" + master.view().epoch();
    CompletableFuture<Integer> exit1 = new CompletableFuture<>();
    DemoAgent viaStream =
        agent("a-stream", false, exit1, with(tlsFlags(), "--token-file=" + tokenFile));
    CompletableFuture<Integer> exit2 = new CompletableFuture<>();
    DemoAgent viaStore =
        agent("a-store", true, exit2, with(tlsFlags(), "--token-file=" + tokenFile));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                viaStream.registeredWith().equals(Optional.of(expected))
                    && viaStore.registeredWith().equals(Optional.of(expected)));
    // Heartbeats go on being accepted.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> viaStream.registeredWith().equals(Optional.of(expected)));
    assertThat(exit1).isNotDone();
    assertThat(exit2).isNotDone();
  }

  @Test
  void anAgentWithoutTheTokenOrWithAnotherIsRefusedAndExitsWithItsCode() throws Exception {
    CompletableFuture<Integer> noToken = new CompletableFuture<>();
    DemoAgent a1 = agent("a-no-token", true, noToken, tlsFlags());
    CompletableFuture<Integer> wrong = new CompletableFuture<>();
    DemoAgent a2 =
        agent("a-wrong-token", false, wrong, with(tlsFlags(), "--token-file=" + wrongFile));
    assertThat(noToken.get(15, TimeUnit.SECONDS)).isEqualTo(DemoAgent.EXIT_UNAUTHENTICATED);
    assertThat(wrong.get(15, TimeUnit.SECONDS)).isEqualTo(DemoAgent.EXIT_UNAUTHENTICATED);
    assertThat(a1.registeredWith()).isEmpty();
    assertThat(a2.registeredWith()).isEmpty();
    assertThat(String.join("\n", logs.lines()))
        .contains("EVENT exiting name=a-no-token code=20")
        .contains("no agent token was presented")
        .contains("give the agent --token-file=PATH or --token-env=VAR")
        .contains("EVENT exiting name=a-wrong-token code=20")
        .contains("the agent token presented was not accepted");
  }

  @Test
  void aPlaintextAgentOrOneWithoutAClientCertificateNeverRegisters() {
    CompletableFuture<Integer> exit1 = new CompletableFuture<>();
    DemoAgent plain = agent("a-plain", true, exit1, List.of("--token-file=" + tokenFile));
    CompletableFuture<Integer> exit2 = new CompletableFuture<>();
    DemoAgent noCert =
        agent(
            "a-no-cert",
            true,
            exit2,
            List.of("--tls-ca=" + certs.ca(), "--token-file=" + tokenFile));
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> plain.registeredWith().isEmpty() && noCert.registeredWith().isEmpty());
    assertThat(exit1).isNotDone();
    assertThat(exit2).isNotDone();
  }

  @Test
  void badFlagsNameTheFlagAndNeverTheToken() {
    String base = "--master=127.0.0.1:5050";
    record Bad(List<String> args, String... expected) {}
    for (Bad b :
        List.of(
            new Bad(
                List.of("--token=" + TOKEN), "flag --token is not accepted", "--token-file=PATH"),
            new Bad(List.of("--token", TOKEN), "flag --token is not accepted"),
            new Bad(
                List.of("--tls-cert=" + certs.clientCert(), "--tls-key=" + certs.clientKey()),
                "need --tls-ca"),
            new Bad(
                List.of("--tls-ca=" + certs.ca(), "--tls-key=" + certs.clientKey()), "go together"),
            new Bad(
                List.of("--tls-ca=" + dir.resolve("nope.pem")),
                "flag --tls-ca",
                "nope.pem",
                "does not exist"),
            new Bad(
                List.of("--tls-ca=" + certs.clientKey()), "flag --tls-ca", "holds no certificate"),
            new Bad(
                List.of(
                    "--tls-ca=" + certs.ca(),
                    "--tls-cert=" + certs.clientCert(),
                    "--tls-key=" + certs.clientCert()),
                "flag --tls-key",
                "holds no private key"))) {
      List<String> args = with(List.of(base), b.args().toArray(String[]::new));
      assertThatThrownBy(
              () ->
                  AgentOptions.parse(
                      AgentOptions.FLAGS.parse(args.toArray(String[]::new)), backends))
          .as("%s", args)
          .isInstanceOfSatisfying(
              UsageException.class,
              e -> assertThat(e.getMessage()).contains(b.expected()).doesNotContain(TOKEN));
    }
    assertThat(AgentOptions.USAGE)
        .contains("--tls-ca=PATH")
        .contains("--token-file=PATH")
        .contains("--token-env=VAR")
        .contains("20 a master refused the agent's token");
  }
}
