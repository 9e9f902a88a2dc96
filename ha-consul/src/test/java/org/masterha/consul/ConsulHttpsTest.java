package org.masterha.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;

/**
 * consul+https:// with PEM TLS options, mutual TLS included. The fake speaks plain HTTP, so the
 * test puts a TLS-terminating relay in front of it that demands a client certificate; the key pair
 * is made with the JDK's keytool for this run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsulHttpsTest {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private Path dir;
  private FakeConsul consul;
  private HttpsServer relay;
  private ExecutorService relayThreads;
  private Path caPem;
  private Path keyPem;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    Path p12 = dir.resolve("pair.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "pair",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                p12.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes(), UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(out).isZero();

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, PASSWORD);
    }
    caPem = dir.resolve("ca.pem");
    Files.writeString(caPem, pem("CERTIFICATE", ks.getCertificate("pair").getEncoded()));
    keyPem = dir.resolve("key.pem");
    Files.writeString(
        keyPem, pem("PRIVATE KEY", ((PrivateKey) ks.getKey("pair", PASSWORD)).getEncoded()));

    consul = FakeConsul.builder().sessionTtlMin(Duration.ofSeconds(1)).build().start();

    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    relay = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    relay.setHttpsConfigurator(
        new HttpsConfigurator(ctx) {
          @Override
          public void configure(HttpsParameters params) {
            params.setNeedClientAuth(true);
          }
        });
    HttpClient upstream = HttpClient.newHttpClient();
    relay.createContext("/", exchange -> relay(upstream, exchange));
    relayThreads = Executors.newCachedThreadPool();
    relay.setExecutor(relayThreads);
    relay.start();
  }

  @AfterAll
  void stop() {
    if (relay != null) {
      relay.stop(0);
      relayThreads.shutdownNow();
    }
    if (consul != null) {
      consul.close();
    }
  }

  private void relay(HttpClient upstream, HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder r =
          HttpRequest.newBuilder(URI.create(consul.httpUrl() + exchange.getRequestURI()))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      for (String h : List.of("X-Consul-Token", "Content-Type")) {
        Optional.ofNullable(exchange.getRequestHeaders().getFirst(h))
            .ifPresent(v -> r.header(h, v));
      }
      HttpResponse<byte[]> resp = upstream.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
      for (String h :
          List.of(
              "X-Consul-Index", "X-Consul-Knownleader", "X-Consul-Lastcontact", "Content-Type")) {
        resp.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().add(h, v));
      }
      exchange.sendResponseHeaders(
          resp.statusCode(), resp.body().length == 0 ? -1 : resp.body().length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(resp.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private HaConfig.Builder config() {
    return HaConfig.builder()
        .url("consul+https://127.0.0.1:" + relay.getAddress().getPort() + "/mesos")
        .sessionTimeout(Duration.ofSeconds(4));
  }

  @Test
  void mutualTlsWithPemFiles() throws Exception {
    TlsOptions tls =
        TlsOptions.builder().trustedCa(caPem).clientCertificate(caPem).clientKey(keyPem).build();
    try (HaSession s = HaBackends.load().open(config().tls(tls).build())) {
      Membership m =
          s.group("").join("x".getBytes(UTF_8), Optional.of("json.info")).get(20, TimeUnit.SECONDS);
      assertThat(s.group("").members().get(20, TimeUnit.SECONDS)).isEqualTo(Set.of(m));
      // State writes go through their own HTTP client (ConsulTxn), with the same TLS material.
      State state = s.state();
      Variable v =
          state
              .store(Variable.absent("over-tls"), "x".getBytes(UTF_8))
              .get(20, TimeUnit.SECONDS)
              .orElseThrow();
      assertThat(state.fetch("over-tls").get(20, TimeUnit.SECONDS)).isEqualTo(v);
    }
  }

  @Test
  void tlsOptionsNeedTheHttpsScheme() {
    TlsOptions tls = TlsOptions.builder().trustedCa(caPem).build();
    assertThatThrownBy(
            () ->
                HaBackends.load()
                    .open(HaConfig.builder().url("consul://127.0.0.1:1/mesos").tls(tls).build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("consul+https://");
  }

  @Test
  void aKeyFileWithoutAPkcs8KeyIsRefusedWithoutQuotingIt() throws IOException {
    Path bad = dir.resolve("bad-key.pem");
    Files.writeString(
        bad,
        "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END RSA PRIVATE KEY-----\n");
    TlsOptions tls =
        TlsOptions.builder().trustedCa(caPem).clientCertificate(caPem).clientKey(bad).build();
    assertThatThrownBy(() -> HaBackends.load().open(config().tls(tls).build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("PKCS#8")
        .hasMessageNotContaining("c2VjcmV0");
  }
}
