package org.masterha.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.stores.TestCertificates;

/**
 * The client's protocol against fake masters over real gRPC on loopback: epochs that never go back
 * (and the new epoch line after a store went back in time), {@code detect} semantics, a frozen
 * master's silence, {@code unreachable}, mutual TLS, {@code close}, and bad options.
 */
class LeaderClientProtocolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    java.util.Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /** What a listener heard, in order. */
  record Heard(String kind, Optional<LeadingMaster> leader, long highest, String from) {}

  private FakeMaster fake() throws IOException {
    FakeMaster f = new FakeMaster();
    open.add(f);
    return f;
  }

  private LeaderClient client(
      LeaderClientOptions.Builder options, BlockingQueue<Heard> heard, String... endpoints) {
    LeaderClient c = LeaderClient.create(options.endpoints(endpoints).build());
    if (heard != null) {
      c.addListener(
          new LeaderClient.Listener() {
            @Override
            public void leaderChanged(Optional<LeadingMaster> leader, String reportedBy) {
              heard.add(new Heard("changed", leader, -1, reportedBy));
            }

            @Override
            public void staleLeaderIgnored(
                LeadingMaster stale, long highestEpoch, String reportedBy) {
              heard.add(new Heard("stale", Optional.of(stale), highestEpoch, reportedBy));
            }
          });
    }
    open.add(c);
    return c.start();
  }

  private static LeaderClientOptions.Builder fast() {
    return LeaderClientOptions.builder()
        .initialBackoff(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(200))
        .firstEventTimeout(Duration.ofMillis(500));
  }

  private static Heard next(BlockingQueue<Heard> heard) throws InterruptedException {
    Heard h = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(h).as("a listener call within %s", WAIT).isNotNull();
    return h;
  }

  @Test
  void aStaleMastersOlderEpochIsIgnoredAfterANewerOneWasSeen() throws Exception {
    FakeMaster a = fake();
    FakeMaster b = fake();
    LeadingMaster newer = FakeMaster.leading("m7", 5057, 7);
    a.send(FakeMaster.leader("m7", 5057, 7));
    b.send(FakeMaster.leader("m4", 5054, 4));
    BlockingQueue<Heard> heard = new LinkedBlockingQueue<>();
    LeaderClient c = client(fast(), heard, a.endpoint(), b.endpoint());
    assertThat(next(heard)).isEqualTo(new Heard("changed", Optional.of(newer), -1, a.endpoint()));

    // a goes away; b, stale, still names the leader of epoch 4.
    a.endStreams();
    Heard stale = next(heard);
    assertThat(stale)
        .isEqualTo(
            new Heard("stale", Optional.of(FakeMaster.leading("m4", 5054, 4)), 7, b.endpoint()));
    assertThat(c.current()).contains(newer);
    // The same stale stream again, and still nothing but "stale".
    b.send(FakeMaster.leader("m4", 5054, 4));
    assertThat(next(heard).kind()).isEqualTo("stale");
    assertThat(c.current()).contains(newer);

    // A newer leader on b is followed.
    b.send(FakeMaster.leader("m8", 5058, 8));
    assertThat(next(heard).leader()).contains(FakeMaster.leading("m8", 5058, 8));
    assertThat(heard).isEmpty();
  }

  @Test
  void everyReportBelowTheHighestEpochForTheConfirmationPeriodStartsANewEpochLine()
      throws Exception {
    FakeMaster a = fake();
    a.send(FakeMaster.leader("m9", 5059, 9));
    BlockingQueue<Heard> heard = new LinkedBlockingQueue<>();
    Duration confirm = Duration.ofMillis(600);
    LeaderClient c = client(fast().epochRegressConfirmation(confirm), heard, a.endpoint());
    assertThat(next(heard).leader()).contains(FakeMaster.leading("m9", 5059, 9));

    long wiped = System.nanoTime();
    a.send(FakeMaster.leader("m1", 5051, 1));
    assertThat(next(heard).kind()).isEqualTo("stale");
    Heard followed = next(heard);
    assertThat(followed)
        .isEqualTo(
            new Heard("changed", Optional.of(FakeMaster.leading("m1", 5051, 1)), -1, a.endpoint()));
    assertThat(Duration.ofNanos(System.nanoTime() - wiped)).isGreaterThanOrEqualTo(confirm);
    assertThat(c.current()).contains(FakeMaster.leading("m1", 5051, 1));
    // Within the new line, epochs never go back again.
    a.send(FakeMaster.leader("m0", 5050, 0));
    assertThat(next(heard).highest()).isEqualTo(1);
  }

  @Test
  void aKnownEpochFromAPreviousRunRefusesLowerEpochs() throws Exception {
    FakeMaster a = fake();
    a.send(FakeMaster.leader("m3", 5053, 3));
    BlockingQueue<Heard> heard = new LinkedBlockingQueue<>();
    LeaderClient c = client(fast().knownEpoch(5), heard, a.endpoint());
    assertThat(next(heard).kind()).isEqualTo("stale");
    assertThat(c.current()).isEmpty();
  }

  @Test
  void detectCompletesWhenTheLeaderDiffersFromThePreviousOne() throws Exception {
    FakeMaster a = fake();
    LeaderClient c = client(fast(), null, a.endpoint());
    CompletableFuture<Optional<LeadingMaster>> first = c.detect(Optional.empty());
    // No leader known yet: the stream has not said anything.
    assertThat(c.state()).isIn(LeaderClient.State.CONNECTING, LeaderClient.State.WATCHING);
    LeadingMaster m1 = FakeMaster.leading("m1", 5051, 1);
    a.send(FakeMaster.leader("m1", 5051, 1));
    assertThat(first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).contains(m1);
    assertThat(c.state()).isEqualTo(LeaderClient.State.WATCHING);

    // Already different from what the caller knows: at once.
    assertThat(c.detect(Optional.empty()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).contains(m1);
    CompletableFuture<Optional<LeadingMaster>> afterM1 = c.detect(Optional.of(m1));
    // The same leader again (a repeated event) is no change.
    a.send(FakeMaster.leader("m1", 5051, 1));
    // "No leader" is a change.
    a.send(org.masterha.proto.v1.LeaderEvent.getDefaultInstance());
    assertThat(afterM1.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEmpty();
    assertThat(c.current()).isEmpty();

    CompletableFuture<Optional<LeadingMaster>> afterNone = c.detect(Optional.empty());
    a.send(FakeMaster.leader("m2", 5052, 2));
    assertThat(afterNone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .contains(FakeMaster.leading("m2", 5052, 2));

    CompletableFuture<Optional<LeadingMaster>> pending =
        c.detect(Optional.of(FakeMaster.leading("m2", 5052, 2)));
    c.close();
    assertThatThrownBy(() -> pending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> c.detect(Optional.empty()).join())
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSilentMasterIsLeftAfterTheFirstEventTimeoutAndAnUnreachableOneOnRequest() throws Exception {
    FakeMaster frozen = fake().silent();
    FakeMaster b = fake();
    b.send(FakeMaster.leader("m2", 5052, 2));
    long started = System.nanoTime();
    LeaderClient c = client(fast(), null, frozen.endpoint(), b.endpoint());
    assertThat(c.detect(Optional.empty()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .contains(FakeMaster.leading("m2", 5052, 2));
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(c.options().firstEventTimeout());
    assertThat(frozen.opened()).isEqualTo(1);
    await().atMost(WAIT).until(() -> frozen.cancelled() == 1);

    // The caller cannot reach b (say, b leads and froze): the client leaves b's stream.
    int before = b.cancelled();
    c.unreachable("127.0.0.1:1");
    c.unreachable(b.endpoint());
    await().atMost(WAIT).until(() -> b.cancelled() == before + 1);
    await().atMost(WAIT).until(() -> frozen.opened() == 2);
  }

  @Test
  void mutualTlsAndCloseCleansUp(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    FakeMaster tls =
        new FakeMaster(
            Optional.of(
                GrpcSslContexts.forServer(certs.serverCert().toFile(), certs.serverKey().toFile())
                    .trustManager(certs.ca().toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build()));
    open.add(tls);
    tls.send(FakeMaster.leader("m1", 5051, 1));
    LeaderClient c =
        client(
            fast().trustedCa(certs.ca()).clientCertificate(certs.clientCert(), certs.clientKey()),
            null,
            tls.endpoint());
    assertThat(c.options().tlsMode()).isEqualTo("mutual");
    assertThat(c.detect(Optional.empty()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .contains(FakeMaster.leading("m1", 5051, 1));
    assertThat(threads()).contains("masterha-leader-client");

    c.close();
    assertThat(c.state()).isEqualTo(LeaderClient.State.CLOSED);
    await().atMost(WAIT).until(() -> tls.cancelled() == 1);
    assertThat(threads()).doesNotContain("masterha-leader-client");
    c.close();
  }

  /** A listener on the client's own thread may close it: nothing waits for itself. */
  @Test
  void aListenerMayCloseTheClient() throws Exception {
    FakeMaster a = fake();
    a.send(FakeMaster.leader("m1", 5051, 1));
    LeaderClient c = LeaderClient.create(fast().endpoints(a.endpoint()).build());
    open.add(c);
    CompletableFuture<Long> closedIn = new CompletableFuture<>();
    c.addListener(
        (leader, reportedBy) -> {
          long started = System.nanoTime();
          c.close();
          closedIn.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        });
    c.start();
    // Waiting for its own thread would take the close's two 2-second waits.
    assertThat(closedIn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isLessThan(2000);
    assertThat(c.state()).isEqualTo(LeaderClient.State.CLOSED);
    await()
        .atMost(WAIT)
        .until(() -> a.cancelled() == 1 && !threads().contains("masterha-leader-client"));
  }

  private static List<String> threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .toList();
  }

  @Test
  void badOptionsSayWhatIsWrongAndWhatIsAccepted(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> LeaderClientOptions.builder().build())
        .hasMessageContaining("no master endpoint")
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> LeaderClientOptions.builder().endpoint("10.0.0.1"))
        .hasMessageContaining("'10.0.0.1' has no host or no port")
        .hasMessageContaining("e.g. 10.0.0.11:5050");
    assertThatThrownBy(() -> LeaderClientOptions.builder().endpoint("h:70000"))
        .hasMessageContaining("bad port (accepted: 1 to 65535)");
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(
            () -> LeaderClientOptions.builder().endpoint("h:1").trustedCa(missing).build())
        .hasMessageContaining("trustedCa: file " + missing + " does not exist");
    Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nsecret");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n");
    assertThatThrownBy(
            () ->
                LeaderClientOptions.builder()
                    .endpoint("h:1")
                    .trustedCa(cert)
                    .clientCertificate(cert, key)
                    .build())
        .hasMessageContaining("PKCS#8")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(
            () ->
                LeaderClientOptions.builder().endpoint("h:1").clientCertificate(cert, key).build())
        .hasMessageContaining("clientCertificate needs trustedCa");
    assertThatThrownBy(
            () ->
                LeaderClientOptions.builder()
                    .endpoint("h:1")
                    .initialBackoff(Duration.ofSeconds(2))
                    .maxBackoff(Duration.ofSeconds(1))
                    .build())
        .hasMessageContaining("maxBackoff PT1S is below initialBackoff PT2S");
    assertThatThrownBy(() -> LeaderClientOptions.builder().firstEventTimeout(Duration.ZERO))
        .hasMessageContaining("firstEventTimeout must be positive");
  }

  /** A port nothing listens on (for a moment at least). */
  static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
