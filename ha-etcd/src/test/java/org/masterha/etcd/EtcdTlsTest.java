package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.stores.TestCertificates;

/**
 * etcd serving TLS only and requiring client certificates (certificates made with openssl for this
 * run): both the {@code etcds://} scheme and TLS options on an {@code etcd://} URL work; a server
 * the CA does not vouch for, a missing client certificate and an unreadable key fail with messages
 * that say what to check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdTlsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private final AtomicInteger paths = new AtomicInteger();
  private final HaBackends backends = HaBackends.load();
  private final List<HaSession> open = new ArrayList<>();
  private TestCertificates certs;
  private Path certDir;
  private EtcdFixture fixture;
  private String base;

  @BeforeAll
  void start() throws Exception {
    certDir = Files.createTempDirectory("masterha-etcd-tls-");
    certs = TestCertificates.create(certDir);
    fixture = EtcdFixture.secured("tls", Optional.of(certs), Optional.empty());
    fixture.start();
  }

  @AfterAll
  void stop() throws Exception {
    fixture.close();
    try (var files = Files.walk(certDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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

  private HaSession open(String scheme, TlsOptions tls) {
    HaSession s =
        backends.open(
            HaConfig.builder()
                .url(scheme + "://" + String.join(",", fixture.cluster().endpoints()) + base)
                .sessionTimeout(TIMEOUT)
                .tls(tls)
                .build());
    open.add(s);
    return s;
  }

  private TlsOptions.Builder trusted(Path ca) {
    return TlsOptions.builder().trustedCa(ca);
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void etcdsWithTheCaAndAClientCertificateWorks() throws Exception {
    Group a =
        open(
                "etcds",
                trusted(certs.ca())
                    .clientCertificate(certs.clientCert())
                    .clientKey(certs.clientKey())
                    .build())
            .group("");
    Group b = fixture.connect(base, TIMEOUT).session().group("");
    Membership m = a.join(utf8("over tls"), Optional.of("json.info")).get(30, TimeUnit.SECONDS);
    assertThat(b.watch(java.util.Set.of()).get(30, TimeUnit.SECONDS)).containsExactly(m);
    assertThat(b.data(m).get(30, TimeUnit.SECONDS))
        .hasValueSatisfying(
            d -> assertThat(new String(d, StandardCharsets.UTF_8)).isEqualTo("over tls"));
  }

  @Test
  void tlsOptionsTurnTlsOnForAnEtcdUrl() throws Exception {
    Group g =
        open(
                "etcd",
                trusted(certs.ca())
                    .clientCertificate(certs.clientCert())
                    .clientKey(certs.clientKey())
                    .build())
            .group("");
    Membership m = g.join(utf8("x"), Optional.empty()).get(30, TimeUnit.SECONDS);
    assertThat(g.members().get(30, TimeUnit.SECONDS)).containsExactly(m);
  }

  @Test
  void aServerTheCaDoesNotVouchForIsRefusedSayingSo() throws Exception {
    Group g =
        open(
                "etcds",
                trusted(certs.otherCa())
                    .clientCertificate(certs.clientCert())
                    .clientKey(certs.clientKey())
                    .build())
            .group("");
    Throwable t = failure(g.join(utf8("x"), Optional.of("json.info")));
    assertThat(t)
        .isInstanceOf(HaException.class)
        .hasMessageContaining("TLS handshake")
        .hasMessageContaining("CA");
  }

  @Test
  void withoutTheClientCertificateTheServerRefusesUs() throws Exception {
    Group g = open("etcds", trusted(certs.ca()).build()).group("");
    Throwable t = failure(g.join(utf8("x"), Optional.of("json.info")));
    assertThat(t)
        .isInstanceOf(HaException.class)
        .hasMessageContaining("TLS")
        .hasMessageContaining("client certificate");
  }

  @Test
  void aKeyThatIsNotPkcs8IsRefusedWhenTheSessionOpens() throws Exception {
    Path traditional = certDir.resolve("client-key-sec1.pem");
    Process p =
        new ProcessBuilder(
                "openssl",
                "ec",
                "-in",
                certs.clientKey().toString(),
                "-out",
                traditional.toString())
            .redirectErrorStream(true)
            .redirectOutput(certDir.resolve("openssl-ec.log").toFile())
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(traditional)).contains("BEGIN EC PRIVATE KEY");
    assertThatThrownBy(
            () ->
                open(
                    "etcds",
                    trusted(certs.ca())
                        .clientCertificate(certs.clientCert())
                        .clientKey(traditional)
                        .build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("PKCS#8")
        .hasMessageContaining("openssl pkcs8");
  }
}
