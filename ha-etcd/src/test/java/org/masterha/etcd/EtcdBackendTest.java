package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaConfigException;

/** What needs no server: registration, URL and config translation, validation, member key names. */
class EtcdBackendTest {
  private final HaBackends backends = HaBackends.load();

  @Test
  void isFoundByNameAndByBothSchemes() {
    assertThat(backends.byName("etcd")).isInstanceOf(EtcdBackend.class);
    assertThat(backends.byScheme("etcd")).isInstanceOf(EtcdBackend.class);
    assertThat(backends.byScheme("etcds")).isInstanceOf(EtcdBackend.class);
  }

  @Test
  void hostsWithoutAPortGetEtcdsDefaultAndTheTimeoutRoundsUpToWholeSeconds() {
    EtcdSettings s =
        EtcdSettings.from(
            HaConfig.builder()
                .url("etcd://10.0.0.1,10.0.0.2:2381,[::1]/mesos")
                .sessionTimeout(Duration.ofMillis(2500))
                .build());
    assertThat(s.endpoints())
        .containsExactly(
            URI.create("http://10.0.0.1:2379"),
            URI.create("http://10.0.0.2:2381"),
            URI.create("http://[::1]:2379"));
    assertThat(s.tls()).isFalse();
    assertThat(s.ttlSeconds()).isEqualTo(3);
    assertThat(s.basePath()).isEqualTo("/mesos");
    assertThat(EtcdSettings.from(HaConfig.of("etcd://h:1/m")).ttlSeconds())
        .as("the 10 s default")
        .isEqualTo(10);
  }

  @Test
  void etcdsSchemeOrTlsOptionsTurnTlsOn() throws Exception {
    assertThat(EtcdSettings.from(HaConfig.of("etcds://h:2379/mesos")).tls()).isTrue();
    assertThat(EtcdSettings.from(HaConfig.of("etcds://h:2379/mesos")).endpoints())
        .containsExactly(URI.create("https://h:2379"));
    java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".pem");
    try {
      HaConfig withTls =
          HaConfig.builder()
              .url("etcd://h:2379/mesos")
              .tls(org.masterha.ha.TlsOptions.builder().trustedCa(ca).build())
              .build();
      assertThat(EtcdSettings.from(withTls).tls()).isTrue();
    } finally {
      java.nio.file.Files.delete(ca);
    }
  }

  @Test
  void refusesWhatItCannotHonourWithMessagesSayingWhatIsAccepted() {
    assertThatThrownBy(
            () ->
                backends.open(
                    HaConfig.builder()
                        .url("etcd://h:2379/mesos")
                        .credentials(Credentials.token(Secret.of("t0ken-value")))
                        .build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("user:password")
        .hasMessageNotContaining("t0ken-value");
    assertThatThrownBy(
            () ->
                backends.open(
                    HaConfig.builder()
                        .url("etcd://h:2379/mesos")
                        .option("etcd.lease-ttl", "5")
                        .build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("etcd.lease-ttl")
        .hasMessageContaining("no options");
    assertThatThrownBy(() -> backends.open(HaConfig.of("etcd:///mesos")))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("names no server")
        .hasMessageContaining("etcd://127.0.0.1:2379/mesos");
    assertThatThrownBy(() -> new EtcdBackend().open(HaConfig.of("zk://h:2181/mesos")))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("etcd://")
        .hasMessageContaining("etcds://");
  }

  @Test
  void openingConnectsInTheBackgroundAndNeverShowsThePassword() {
    // Nothing listens on port 1: opening still succeeds at once, and closing does not wait for the
    // server.
    HaSession session = backends.open(HaConfig.of("etcd://admin:s3cr3t-pw@127.0.0.1:1/mesos"));
    try {
      assertThat(session.backend()).isEqualTo("etcd");
      assertThat(session.sessionId()).as("no lease before the first join").isEmpty();
      assertThat(session.toString()).doesNotContain("s3cr3t-pw");
      assertThat(session.config().toString()).doesNotContain("s3cr3t-pw");
      assertThatThrownBy(() -> session.group("").join(new byte[0], Optional.of("bad/label")).join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bad/label")
          .hasMessageContaining("json.info");
      assertThatThrownBy(() -> session.group("/absolute"))
          .isInstanceOf(HaConfigException.class)
          .hasMessageContaining("log_replicas");
    } finally {
      long start = System.nanoTime();
      session.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void memberNamesCarryLabelLeaseAndCounterAndOnlyOursParse() {
    long lease = 0x694d77aa1b2c3d4eL;
    assertThat(MemberKey.name(Optional.of("json.info"), lease, 7))
        .isEqualTo("json.info_694d77aa1b2c3d4e_7");
    assertThat(MemberKey.name(Optional.empty(), lease, 7)).isEqualTo("694d77aa1b2c3d4e_7");
    assertThat(MemberKey.parseLabel("json.info_694d77aa1b2c3d4e_7"))
        .contains(Optional.of("json.info"));
    assertThat(MemberKey.parseLabel("my_label_694d_12")).contains(Optional.of("my_label"));
    assertThat(MemberKey.parseLabel("694d77aa1b2c3d4e_7")).contains(Optional.empty());
    assertThat(MemberKey.parseLabel("info_abc_1")).contains(Optional.of("info"));
    assertThat(MemberKey.parseLabel("json.info_0000000001")).as("a ZooKeeper-style name").isEmpty();
    assertThat(MemberKey.parseLabel("config")).isEmpty();
  }

  @Test
  void aSubSecondTimeoutAsksForOneSecondAndTheTooSmallErrorNamesTheMinimum() {
    // The TTL is what etcd is asked for; the session timeout is what the local deadline uses.
    EtcdSettings s =
        EtcdSettings.from(
            HaConfig.builder().url("etcd://h/m").sessionTimeout(Duration.ofMillis(500)).build());
    assertThat(s.ttlSeconds()).isEqualTo(1);
    assertThat(s.sessionTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.ttlTooSmall(2).getMessage())
        .contains("500ms")
        .contains("minimum lease TTL of 2s")
        .contains("at least 2s");
  }
}
