package org.masterha.demo.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.common.AgentTokens;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.HaBackends;
import org.masterha.proto.v1.AgentInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.GetInfoRequest;
import org.masterha.proto.v1.HeartbeatRequest;
import org.masterha.proto.v1.HeartbeatResponse;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.masterha.proto.v1.RegisterAgentRequest;
import org.masterha.proto.v1.RegisterAgentResponse;
import org.masterha.stores.TestCertificates;

/**
 * A master with mutual TLS and an agent token, over real gRPC on loopback with certificates made at
 * test time: only a client with a certificate of the right CA gets a TLS connection at all; of
 * those, only one with the agents' token can Register or Heartbeat (the others are answered
 * UNAUTHENTICATED and nothing is registered); GetInfo, WatchLeader and health stay open. No token,
 * right or wrong, is in any log line, event or status message.
 */
class MasterTlsAndTokenTest {
  static final String TOKEN = "agent-token-not-to-print-7f3a";
  static final String WRONG = "wrong-token-not-to-print-91c2";

  @TempDir static Path dir;
  static TestCertificates certs;
  static Path tokenFile;
  static DemoMaster master;
  static LogCapture logs;
  static final List<String> statusMessages = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void startMasterWithMutualTlsAndAToken() throws Exception {
    logs = new LogCapture();
    certs = TestCertificates.create(dir.resolve("certs"));
    tokenFile = Files.writeString(dir.resolve("agent-token"), TOKEN + "\n");
    HaBackends backends = HaBackends.load();
    MasterOptions o =
        MasterOptions.parse(
            MasterOptions.FLAGS.parse(
                "--ha-url=standalone:///tls-and-token",
                "--port=0",
                "--name=m-tls",
                "--session-timeout=2s",
                "--tls-cert=" + certs.serverCert(),
                "--tls-key=" + certs.serverKey(),
                "--tls-client-ca=" + certs.ca(),
                "--agent-token-file=" + tokenFile),
            backends);
    assertThat(o.toString()).doesNotContain(TOKEN);
    assertThat(o.tls()).isPresent();
    master = new DemoMaster(o, backends, code -> {});
    master.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> master.view().leading());
  }

  @AfterAll
  static void stopAndCheckNoTokenWasPrinted() {
    if (master != null) {
      master.close();
    }
    logs.close();
    List<String> lines = logs.lines();
    assertThat(lines).as("log lines captured").isNotEmpty();
    assertThat(String.join("\n", lines))
        .contains("EVENT agent-refused")
        .contains("UNAUTHENTICATED")
        .doesNotContain(TOKEN)
        .doesNotContain(WRONG);
    assertThat(String.join("\n", statusMessages)).doesNotContain(TOKEN).doesNotContain(WRONG);
  }

  @AfterEach
  void closeChannels() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ManagedChannel channel(SslContextBuilder tls) throws Exception {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", master.port());
    ManagedChannel c = tls == null ? b.usePlaintext().build() : b.sslContext(tls.build()).build();
    channels.add(c);
    return c;
  }

  private static SslContextBuilder trusting(Path ca) {
    return GrpcSslContexts.forClient().trustManager(ca.toFile());
  }

  private static SslContextBuilder withClientCert() {
    return trusting(certs.ca()).keyManager(certs.clientCert().toFile(), certs.clientKey().toFile());
  }

  private static AgentRegistryGrpc.AgentRegistryBlockingStub registry(
      ManagedChannel c, String token) {
    AgentRegistryGrpc.AgentRegistryBlockingStub s =
        AgentRegistryGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    if (token != null) {
      Metadata h = new Metadata();
      h.put(AgentTokens.AUTHORIZATION, "Bearer " + token);
      s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }
    return s;
  }

  private static RegisterAgentResponse register(
      AgentRegistryGrpc.AgentRegistryBlockingStub s, String id) {
    return s.register(
        RegisterAgentRequest.newBuilder()
            .setAgent(AgentInfo.newBuilder().setId(id).setHostname("localhost").setPort(5051))
            .setKnownEpoch(master.view().epoch())
            .build());
  }

  private static HeartbeatResponse heartbeat(
      AgentRegistryGrpc.AgentRegistryBlockingStub s, String id) {
    return s.heartbeat(
        HeartbeatRequest.newBuilder().setAgentId(id).setKnownEpoch(master.view().epoch()).build());
  }

  private static void assertRefused(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              statusMessages.add(String.valueOf(e.getStatus()));
              assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(code);
            });
  }

  @Test
  void mutualTlsWithTheRightClientCertificateAndTheTokenRegisters() throws Exception {
    ManagedChannel c = channel(withClientCert());
    assertThat(register(registry(c, TOKEN), "agent-ok").hasRegistered()).isTrue();
    assertThat(heartbeat(registry(c, TOKEN), "agent-ok").hasAccepted()).isTrue();
  }

  @Test
  void readOnlyCallsNeedTheClientCertificateButNoToken() throws Exception {
    ManagedChannel c = channel(withClientCert());
    assertThat(
            MasterServiceGrpc.newBlockingStub(c)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getInfo(GetInfoRequest.getDefaultInstance())
                .getLeading())
        .isTrue();
    assertThat(
            HealthGrpc.newBlockingStub(c)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build())
                .getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    var leaders =
        MasterServiceGrpc.newBlockingStub(c)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .watchLeader(org.masterha.proto.v1.WatchLeaderRequest.getDefaultInstance());
    assertThat(leaders.next().getLeader().getEpoch()).isEqualTo(master.view().epoch());
  }

  @Test
  void aClientWithoutACertificateOrWithOneOfAnotherCaGetsNoConnection() throws Exception {
    ManagedChannel noCert = channel(trusting(certs.ca()));
    assertRefused(
        () -> register(registry(noCert, TOKEN), "agent-no-cert"), Status.Code.UNAVAILABLE);
    // A client certificate that the other CA signed, presented whatever CAs the master asks for
    // (the JDK's own key manager would send none, and this would test the case above again).
    Path otherCert = otherCaClientCertificate();
    ManagedChannel otherCa =
        channel(
            trusting(certs.ca())
                .keyManager(presenting(otherCert, certs.dir().resolve("other-client-key.pem"))));
    assertRefused(
        () -> register(registry(otherCa, TOKEN), "agent-other-ca"), Status.Code.UNAVAILABLE);
    assertRefused(
        () ->
            MasterServiceGrpc.newBlockingStub(otherCa)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getInfo(GetInfoRequest.getDefaultInstance()),
        Status.Code.UNAVAILABLE);
    // The same key manager with the right CA's client certificate gets in.
    ManagedChannel control =
        channel(trusting(certs.ca()).keyManager(presenting(certs.clientCert(), certs.clientKey())));
    assertThat(register(registry(control, TOKEN), "agent-control").hasRegistered()).isTrue();
    assertNotRegistered("agent-no-cert");
    assertNotRegistered("agent-other-ca");
  }

  /** A client certificate signed by the other CA (TestCertificates keeps its key), with openssl. */
  private static Path otherCaClientCertificate() throws Exception {
    Path d = certs.dir();
    Path cert = d.resolve("other-client.pem");
    if (!Files.exists(cert)) {
      openssl(
          d,
          "genpkey",
          "-algorithm",
          "EC",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-out",
          "other-client-key.pem");
      openssl(
          d,
          "req",
          "-new",
          "-key",
          "other-client-key.pem",
          "-subj",
          "/CN=intruder",
          "-out",
          "other-client.csr");
      openssl(
          d,
          "x509",
          "-req",
          "-in",
          "other-client.csr",
          "-CA",
          "other-ca.pem",
          "-CAkey",
          "other-ca-key.pem",
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          "client.ext",
          "-out",
          "other-client.pem");
    }
    return cert;
  }

  private static void openssl(Path d, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .directory(d.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(d.resolve("openssl.log").toFile()))
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("openssl %s; see %s", String.join(" ", args), d.resolve("openssl.log"))
        .isTrue();
  }

  /** A key manager that always presents this certificate and PKCS#8 EC key. */
  private static KeyManager presenting(Path certPem, Path keyPem) throws Exception {
    X509Certificate cert;
    try (var in = Files.newInputStream(certPem)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String body =
        Files.readString(keyPem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PrivateKey key =
        KeyFactory.getInstance("EC")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    return new X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {"c"};
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return "c";
      }

      @Override
      public String chooseEngineClientAlias(
          String[] keyType, Principal[] issuers, SSLEngine engine) {
        return "c";
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {cert};
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return key;
      }
    };
  }

  @Test
  void aPlaintextClientOrOneThatTrustsAnotherCaFails() throws Exception {
    ManagedChannel plain = channel(null);
    assertRefused(() -> register(registry(plain, TOKEN), "agent-plain"), Status.Code.UNAVAILABLE);
    File otherCa = certs.otherCa().toFile();
    ManagedChannel wrongTrust =
        channel(
            GrpcSslContexts.forClient()
                .trustManager(otherCa)
                .keyManager(certs.clientCert().toFile(), certs.clientKey().toFile()));
    assertRefused(
        () -> register(registry(wrongTrust, TOKEN), "agent-wrong-trust"), Status.Code.UNAVAILABLE);
    assertNotRegistered("agent-plain");
    assertNotRegistered("agent-wrong-trust");
  }

  @Test
  void registerAndHeartbeatWithoutTheRightTokenAreUnauthenticatedAndRegisterNothing()
      throws Exception {
    ManagedChannel c = channel(withClientCert());
    assertRefused(() -> register(registry(c, null), "agent-no-token"), Status.Code.UNAUTHENTICATED);
    assertRefused(() -> register(registry(c, WRONG), "agent-wrong"), Status.Code.UNAUTHENTICATED);
    assertRefused(
        () -> register(registry(c, TOKEN + "x"), "agent-longer"), Status.Code.UNAUTHENTICATED);
    assertRefused(() -> heartbeat(registry(c, null), "agent-ok-hb"), Status.Code.UNAUTHENTICATED);
    assertRefused(() -> heartbeat(registry(c, WRONG), "agent-ok-hb"), Status.Code.UNAUTHENTICATED);
    // Not the Bearer scheme: refused too.
    Metadata raw = new Metadata();
    raw.put(AgentTokens.AUTHORIZATION, TOKEN);
    assertRefused(
        () ->
            register(
                AgentRegistryGrpc.newBlockingStub(c)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(raw)),
                "agent-raw"),
        Status.Code.UNAUTHENTICATED);
    assertThatThrownBy(() -> register(registry(c, null), "agent-no-token"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .contains("no agent token was presented")
                    .contains("--token-file"));
    for (String id : List.of("agent-no-token", "agent-wrong", "agent-longer", "agent-raw")) {
      assertNotRegistered(id);
    }
    assertThat(register(registry(c, TOKEN), "agent-ok-hb").hasRegistered()).isTrue();
  }

  /** With the token and a good channel, a heartbeat says whether the agent is registered. */
  private void assertNotRegistered(String id) throws Exception {
    HeartbeatResponse r = heartbeat(registry(channel(withClientCert()), TOKEN), id);
    assertThat(r.hasUnknownAgent()).as("%s is not registered: %s", id, r).isTrue();
  }

  @Test
  void badTlsAndTokenFlagsNameTheFlagAndTheFileAndNeverTheToken() throws Exception {
    HaBackends backends = HaBackends.load();
    Path missing = dir.resolve("missing.pem");
    Path sec1 =
        Files.writeString(
            dir.resolve("sec1-key.pem"),
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    Path noCert = Files.writeString(dir.resolve("empty-ca.pem"), "nothing here\n");
    String base = "--ha-url=standalone:///bad-flags";
    record Bad(List<String> args, String... expected) {}
    List<Bad> bad =
        List.of(
            new Bad(
                List.of("--tls-cert=" + missing, "--tls-key=" + certs.serverKey()),
                "flag --tls-cert",
                missing.toString(),
                "does not exist"),
            new Bad(
                List.of("--tls-cert=" + certs.serverCert(), "--tls-key=" + sec1),
                "flag --tls-key",
                sec1.toString(),
                "not PKCS#8",
                "openssl pkcs8 -topk8"),
            new Bad(
                List.of(
                    "--tls-cert=" + certs.serverCert(),
                    "--tls-key=" + certs.serverKey(),
                    "--tls-client-ca=" + noCert),
                "flag --tls-client-ca",
                noCert.toString(),
                "holds no certificate"),
            new Bad(List.of("--tls-cert=" + certs.serverCert()), "--tls-key go together"),
            new Bad(List.of("--tls-client-ca=" + certs.ca()), "needs --tls-cert"),
            new Bad(List.of("--agent-token=" + TOKEN), "flag --agent-token is not accepted", "ps"),
            new Bad(List.of("--agent-token", TOKEN), "flag --agent-token is not accepted"),
            new Bad(
                List.of("--agent-token-env=MASTERHA_TEST_UNSET_VARIABLE"),
                "flag --agent-token-env",
                "MASTERHA_TEST_UNSET_VARIABLE is not set"),
            new Bad(
                List.of("--agent-token-file=" + tokenFile, "--agent-token-env=HOME"),
                "give one of them"));
    for (Bad b : bad) {
      List<String> args = new ArrayList<>(List.of(base));
      args.addAll(b.args());
      assertThatThrownBy(
              () ->
                  MasterOptions.parse(
                      MasterOptions.FLAGS.parse(args.toArray(String[]::new)), backends))
          .as("%s", args)
          .isInstanceOfSatisfying(
              UsageException.class,
              e -> assertThat(e.getMessage()).contains(b.expected()).doesNotContain(TOKEN));
    }
    var err = new java.io.ByteArrayOutputStream();
    var saved = System.err;
    int code;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = MasterMain.run(new String[] {base, "--agent-token", TOKEN});
    } finally {
      System.setErr(saved);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("masterha master: flag --agent-token is not accepted")
        .contains("--agent-token-file=PATH")
        .doesNotContain(TOKEN);
    assertThat(MasterOptions.USAGE)
        .contains("--tls-cert=PATH")
        .contains("--tls-key=PATH")
        .contains("--tls-client-ca=PATH")
        .contains("--agent-token-file=PATH")
        .contains("--agent-token-env=VAR")
        .doesNotContain("--agent-token=");
  }

  @Test
  void aPlaintextMasterWarnsOnceWhenItServesBeyondLoopbackOnly() throws Exception {
    HaBackends backends = HaBackends.load();
    try (LogCapture capture = new LogCapture()) {
      for (String ip : List.of("127.0.0.1", "0.0.0.0")) {
        MasterOptions o =
            MasterOptions.parse(
                MasterOptions.FLAGS.parse(
                    "--ha-url=standalone:///plaintext-" + ip.replace('.', '-'),
                    "--port=0",
                    "--ip=" + ip),
                backends);
        DemoMaster m = new DemoMaster(o, backends, code -> {});
        try {
          m.start();
        } finally {
          m.close();
        }
      }
      List<String> warnings =
          capture.lines().stream().filter(l -> l.contains("served in plaintext")).toList();
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0))
          .contains("WARN")
          .contains("0.0.0.0")
          .contains("unencrypted and unauthenticated");
    }
  }
}
