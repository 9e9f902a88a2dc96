package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.error.HaConfigException;

class HaConfigTest {
  @Test
  void ofGivesTheDefaults() {
    HaConfig config = HaConfig.of("zk://127.0.0.1:2181/mesos");

    assertThat(config.url()).isEqualTo(HaUrl.parse("zk://127.0.0.1:2181/mesos"));
    assertThat(config.basePath()).isEqualTo("/mesos");
    assertThat(config.sessionTimeout())
        .isEqualTo(Duration.ofSeconds(10))
        .isEqualTo(HaConfig.DEFAULT_SESSION_TIMEOUT);
    assertThat(config.backend()).isEmpty();
    assertThat(config.credentials()).isEmpty();
    assertThat(config.tls()).isEmpty();
    assertThat(config.options()).isEmpty();
  }

  @Test
  void credentialsComeFromTheUrlOrAreGivenSeparately() {
    Credentials separate = Credentials.password("bob", Secret.of("other"));

    assertThat(HaConfig.of("zk://alice:s3cr3t@h/m").credentials())
        .contains(Credentials.password("alice", Secret.of("s3cr3t")));
    assertThat(HaConfig.builder().url("zk://h/m").credentials(separate).build().credentials())
        .contains(separate);
  }

  @Test
  void credentialsGivenTwiceAreRefused() {
    HaConfig.Builder builder =
        HaConfig.builder()
            .url("zk://alice:s3cr3t@h/m")
            .credentials(Credentials.parse("bob:other", "t"));

    assertThatThrownBy(builder::build)
        .isInstanceOf(HaConfigException.class)
        .hasMessage("credentials were given both in the HA URL and separately; give them one way");
  }

  @Test
  void toBuilderKeepsCredentialsTheWayTheyWereGiven() {
    HaConfig inUrl = HaConfig.builder().url("zk://alice:s3cr3t@h/m").build();
    HaConfig copy = inUrl.toBuilder().build();
    assertThat(copy.credentials()).isEqualTo(inUrl.credentials()).isPresent();
    assertThat(copy.url()).isEqualTo(inUrl.url());

    Credentials separate = Credentials.parse("bob:other", "t");
    HaConfig given = HaConfig.builder().url("zk://h/m").credentials(separate).build();
    assertThat(given.toBuilder().build().credentials()).contains(separate);
  }

  @Test
  void sessionTimeoutBoundsAreInclusive() {
    assertThat(
            HaConfig.builder()
                .url("zk://h/m")
                .sessionTimeout(Duration.ofMillis(500))
                .build()
                .sessionTimeout())
        .isEqualTo(HaConfig.MIN_SESSION_TIMEOUT);
    assertThat(
            HaConfig.builder()
                .url("zk://h/m")
                .sessionTimeout(Duration.ofHours(1))
                .build()
                .sessionTimeout())
        .isEqualTo(HaConfig.MAX_SESSION_TIMEOUT);
  }

  @Test
  void sessionTimeoutOutOfRangeIsRefusedNamingTheRange() {
    assertThatThrownBy(() -> HaConfig.builder().sessionTimeout(Duration.ofMillis(499)))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout 499ms is out of range; accepted: 500ms to 1h");
    assertThatThrownBy(() -> HaConfig.builder().sessionTimeout(Duration.ofHours(1).plusMillis(1)))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout 3600001ms is out of range; accepted: 500ms to 1h");
    assertThatThrownBy(() -> HaConfig.builder().sessionTimeout(Duration.ofSeconds(-10)))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("is out of range; accepted: 500ms to 1h");
    assertThatThrownBy(() -> HaConfig.builder().sessionTimeout(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void aUrlIsRequired() {
    assertThatThrownBy(() -> HaConfig.builder().build())
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("an HA URL is required, e.g. zk://127.0.0.1:2181/mesos");
  }

  @Test
  void backendNameIsStrippedAndMustNotBeBlank() {
    assertThat(HaConfig.builder().url("zk://h/m").backend(" zookeeper ").build().backend())
        .contains("zookeeper");
    assertThatThrownBy(() -> HaConfig.builder().backend(" "))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("the backend name is empty");
    assertThatThrownBy(() -> HaConfig.builder().backend(null))
        .isInstanceOf(HaConfigException.class);
  }

  @Test
  void optionsAreSortedImmutableAndRemovableWithNull() {
    HaConfig config =
        HaConfig.builder()
            .url("zk://h/m")
            .option("z.last", "1")
            .option("a.first", "2")
            .option("gone", "3")
            .option("gone", null)
            .build();

    assertThat(config.options())
        .containsExactly(java.util.Map.entry("a.first", "2"), java.util.Map.entry("z.last", "1"));
    assertThat(config.option("a.first")).contains("2");
    assertThat(config.option("gone")).isEmpty();
    assertThatThrownBy(() -> config.options().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> HaConfig.builder().option(" ", "v"))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("needs a name");
  }

  @Test
  void toBuilderKeepsEverything(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    HaConfig config =
        HaConfig.builder()
            .url("etcd://h:2379/m")
            .backend("etcd")
            .sessionTimeout(Duration.ofSeconds(3))
            .credentials(Credentials.parse("u:p", "t"))
            .tls(TlsOptions.builder().trustedCa(ca).build())
            .option("k", "v")
            .build();

    HaConfig copy = config.toBuilder().build();

    assertThat(copy.url()).isEqualTo(config.url());
    assertThat(copy.backend()).isEqualTo(config.backend());
    assertThat(copy.sessionTimeout()).isEqualTo(config.sessionTimeout());
    assertThat(copy.credentials()).isEqualTo(config.credentials());
    assertThat(copy.tls().flatMap(TlsOptions::trustedCa)).contains(ca);
    assertThat(copy.options()).isEqualTo(config.options());
  }

  @Test
  void toStringNeverShowsAPasswordOrToken() {
    String fromUrl = HaConfig.of("zk://alice:s3cr3t@h:2181/mesos").toString();
    String token =
        HaConfig.builder()
            .url("consul://h/m")
            .credentials(Credentials.parse("s3cr3t", "t"))
            .build()
            .toString();

    assertThat(fromUrl)
        .doesNotContain("s3cr3t")
        .contains("zk://alice:****@h:2181/mesos")
        .contains("password=****");
    assertThat(token).doesNotContain("s3cr3t").contains("Credentials[token=****]");
  }

  @Test
  void tlsClientCertificateAndKeyGoTogether(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");

    assertThatThrownBy(() -> TlsOptions.builder().clientCertificate(cert).build())
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("give both or neither");
    assertThatThrownBy(() -> TlsOptions.builder().trustedCa(dir.resolve("absent.pem")))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("is not a readable file");
  }

  @Test
  void anAbsurdlyLongSessionTimeoutIsAConfigErrorNotAnOverflow() {
    Duration huge = Durations.parse("9223372036854775807s", "session timeout");

    assertThatThrownBy(() -> HaConfig.builder().sessionTimeout(huge))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout 9223372036854775807s is out of range; accepted: 500ms to 1h");
  }

  @Test
  void aSubMillisecondSessionTimeoutIsShownExactly() {
    assertThatThrownBy(() -> HaConfig.builder().sessionTimeout(Duration.ofNanos(499_999_999)))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout PT0.499999999S is out of range; accepted: 500ms to 1h");
  }
}
