package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaException;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.stores.TestCertificates;
import org.masterha.stores.ZooKeeperEnsemble;

/**
 * A real ZooKeeper server (its own process: ZooKeeper's server takes its TLS settings as system
 * properties, which would leak into the clients of this JVM) with a secure client port that
 * requires client certificates, all PEM: a session with the CA and a client certificate contends
 * and detects; digest auth works over TLS; a client without a certificate and one that trusts
 * another CA fail with errors that name TLS, while a good session in the same JVM goes on working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperTlsTest {
  private final AtomicInteger paths = new AtomicInteger();
  private final List<HaSession> open = new ArrayList<>();
  private TestCertificates certs;
  private Path certDir;
  private ZooKeeperEnsemble zk;
  private String base;

  @BeforeAll
  void start() throws Exception {
    certDir = Files.createTempDirectory("masterha-zk-tls-test-");
    certs = TestCertificates.create(certDir);
    // ZooKeeper reads a PEM key store as one file: the certificate chain and the key.
    Path serverKeyStore = certDir.resolve("server-keystore.pem");
    Files.writeString(
        serverKeyStore, Files.readString(certs.serverCert()) + Files.readString(certs.serverKey()));
    zk =
        new ZooKeeperEnsemble(
            1,
            Map.of(
                ZooKeeperEnsemble.SECURE_CLIENT_PORT,
                "on",
                "serverCnxnFactory",
                "org.apache.zookeeper.server.NettyServerCnxnFactory",
                "ssl.keyStore.location",
                serverKeyStore.toString(),
                "ssl.keyStore.type",
                "PEM",
                "ssl.trustStore.location",
                certs.ca().toString(),
                "ssl.trustStore.type",
                "PEM",
                "ssl.clientAuth",
                "need",
                // The client certificate names no host; the server checks that the CA signed it.
                "ssl.clientHostnameVerification",
                "false"),
            Path.of("target", "zookeeper-tls-logs"));
    zk.start();
  }

  @AfterAll
  void stop() throws Exception {
    if (zk != null) {
      zk.close();
    }
    try (Stream<Path> files = Files.walk(certDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @BeforeEach
  void path(TestInfo info) {
    base = "/tls/" + info.getTestMethod().orElseThrow().getName() + "-" + paths.incrementAndGet();
  }

  @AfterEach
  void closeAll() {
    open.forEach(HaSession::close);
    open.clear();
  }

  private HaSession open(String userInfo, TlsOptions tls) {
    HaSession s =
        new ZooKeeperBackend()
            .open(
                HaConfig.builder()
                    .url("zk://" + userInfo + zk.secureConnectString() + base)
                    .sessionTimeout(Duration.ofSeconds(4))
                    .tls(tls)
                    .build());
    open.add(s);
    return s;
  }

  private TlsOptions mutual() {
    return TlsOptions.builder()
        .trustedCa(certs.ca())
        .clientCertificate(certs.clientCert())
        .clientKey(certs.clientKey())
        .build();
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void withTheCaAndAClientCertificateASessionContendsAndDetects() throws Exception {
    HaSession leader = open("", mutual());
    HaSession standby = open("", mutual());
    Candidacy c =
        get(
            leader
                .contender(MasterInfos.of("m1", "127.0.0.1", 5050, "localhost", "1.4.0"))
                .contend());
    get(c.elected());
    try (Detector d = standby.detector()) {
      assertThat(get(d.detect())).map(l -> l.membership()).contains(c.membership());
    }
    assertThat(((ZooKeeperSession) leader).sessionState())
        .isEqualTo(ZooKeeperSession.SessionState.CONNECTED);
  }

  @Test
  void digestAuthWorksOverTls() throws Exception {
    HaSession owner = open("mesos:secret@", mutual());
    HaSession reader = open("", mutual());
    Candidacy c =
        get(
            owner
                .contender(MasterInfos.of("m1", "127.0.0.1", 5050, "localhost", "1.4.0"))
                .contend());
    get(c.elected());
    try (Detector d = reader.detector()) {
      assertThat(get(d.detect())).map(l -> l.membership()).contains(c.membership());
    }
    // The member is creator-all for the digest identity (ZooKeeper adds the certificate's x509
    // identity of the creating connection too) and world-readable.
    List<ACL> acl =
        ((ZooKeeperSession) owner).client().getACL().forPath(base + "/" + c.membership().id());
    assertThat(acl)
        .contains(
            new ACL(
                ZooDefs.Perms.ALL,
                new Id("digest", DigestAuthenticationProvider.generateDigest("mesos:secret"))),
            new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
  }

  @Test
  void withoutAClientCertificateTheServerRefusesTheSessionSayingSo() throws Exception {
    HaSession good = open("", mutual());
    HaSession s = open("", TlsOptions.builder().trustedCa(certs.ca()).build());
    assertThatThrownBy(() -> get(s.group("").members()))
        .hasCauseInstanceOf(HaException.class)
        .hasMessageContaining("TLS with ZooKeeper server 127.0.0.1:")
        .hasMessageContaining("client certificate (none given)");
    // The other session of this JVM has its own TLS material and is not affected.
    assertThat(get(good.group("").members())).isEmpty();
  }

  @Test
  void aServerTheCaDoesNotVouchForIsRefusedSayingSo() throws Exception {
    HaSession s =
        open(
            "",
            TlsOptions.builder()
                .trustedCa(certs.otherCa())
                .clientCertificate(certs.clientCert())
                .clientKey(certs.clientKey())
                .build());
    assertThatThrownBy(
            () ->
                get(
                    s.contender(MasterInfos.of("m1", "127.0.0.1", 5050, "localhost", "1.4.0"))
                        .contend()))
        .hasCauseInstanceOf(HaException.class)
        .hasMessageContaining("TLS with ZooKeeper server")
        .hasMessageContaining(certs.otherCa().toString());
    assertThat(((ZooKeeperSession) s).sessionState())
        .isEqualTo(ZooKeeperSession.SessionState.FAILED);
  }

  @Test
  void theCombinedKeyStoreIsOwnerOnlyAndGoesWithTheSession() throws Exception {
    HaSession s = open("", mutual());
    get(s.group("").members());
    Path keyStore =
        Path.of(
            ((ZooKeeperSession) s)
                .tlsClientConfigForTests()
                .orElseThrow()
                .getProperty("zookeeper.ssl.keyStore.location"));
    assertThat(Files.getPosixFilePermissions(keyStore))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    s.close();
    assertThat(keyStore).doesNotExist();
  }
}
