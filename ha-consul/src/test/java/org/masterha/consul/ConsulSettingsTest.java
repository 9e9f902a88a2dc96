package org.masterha.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaConfigException;

class ConsulSettingsTest {
  private static HaConfig.Builder url(String url) {
    return HaConfig.builder().url(url);
  }

  @Test
  void registeredByNameAndBothSchemes() {
    HaBackends backends = HaBackends.load();
    assertThat(backends.byName("consul")).isInstanceOf(ConsulBackend.class);
    assertThat(backends.byScheme("consul")).isInstanceOf(ConsulBackend.class);
    assertThat(backends.byScheme("consul+https")).isInstanceOf(ConsulBackend.class);
  }

  @Test
  void mapsTheUrlAndTheTimeouts() {
    ConsulSettings s =
        ConsulSettings.from(
            url("consul://10.0.0.5/mesos/prod").sessionTimeout(Duration.ofSeconds(20)).build());
    assertThat(s.agentUri()).hasToString("http://10.0.0.5:8500");
    assertThat(s.keyPrefix()).isEqualTo("mesos/prod");
    assertThat(s.ttl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.renewInterval()).isEqualTo(Duration.ofMillis(2500));
    assertThat(s.lockDelay()).isEqualTo(Duration.ZERO);
    assertThat(s.blockingWait()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.requestTimeout()).isLessThan(s.ttl());

    ConsulSettings https = ConsulSettings.from(url("consul+https://[::1]:8501/mesos").build());
    assertThat(https.https()).isTrue();
    assertThat(https.agentUri()).hasToString("https://[::1]:8501");

    assertThat(ConsulSettings.from(url("consul:///mesos").build()).agentUri())
        .hasToString("http://127.0.0.1:8500");
  }

  @Test
  void lockDelayIsAnOption() {
    assertThat(
            ConsulSettings.from(url("consul://h/m").option("consul.lock-delay", "15s").build())
                .lockDelay())
        .isEqualTo(Duration.ofSeconds(15));
    assertThatThrownBy(
            () ->
                ConsulSettings.from(url("consul://h/m").option("consul.lock-delay", "2m").build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("consul.lock-delay")
        .hasMessageContaining("0s to 1m");
    assertThatThrownBy(
            () ->
                ConsulSettings.from(
                    url("consul://h/m").option("consul.lock-delay", "soon").build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("consul.lock-delay");
    assertThatThrownBy(
            () -> ConsulSettings.from(url("consul://h/m").option("consul.lockdelay", "1s").build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("unknown Consul option 'consul.lockdelay'")
        .hasMessageContaining("consul.lock-delay");
    // Other backends' options are theirs to check.
    assertThat(ConsulSettings.from(url("consul://h/m").option("zk.whatever", "1").build()))
        .isNotNull();
  }

  @Test
  void refusesWhatConsulCannotDo() {
    assertThatThrownBy(() -> ConsulSettings.from(url("consul://a:8500,b:8500/m").build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("one Consul agent");
    assertThatThrownBy(() -> ConsulSettings.from(url("consul://user:pw@a/m").build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("ACL token, not a user name and password")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw"));
    assertThatThrownBy(() -> ConsulSettings.from(url("etcd://a/m").build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("consul:// and consul+https://");
  }

  @Test
  void tokenNeverPrinted() {
    ConsulSettings s =
        ConsulSettings.from(
            url("consul://h/m")
                .credentials(Credentials.token(Secret.of("tok-123-secret")))
                .build());
    assertThat(s.token()).isPresent();
    assertThat(s.toString()).doesNotContain("tok-123-secret").contains("****");
    assertThat(s.config().toString()).doesNotContain("tok-123-secret");
  }

  @Test
  void goDurations() {
    assertThat(GoDurations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(GoDurations.parse("1m0s")).isEqualTo(Duration.ofMinutes(1));
    assertThat(GoDurations.parse("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
    assertThat(GoDurations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(GoDurations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDurations.parse("0")).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> GoDurations.parse("10")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GoDurations.parse("s")).isInstanceOf(IllegalArgumentException.class);
    assertThat(GoDurations.format(Duration.ofSeconds(2))).isEqualTo("2s");
    assertThat(GoDurations.format(Duration.ofMillis(2500))).isEqualTo("2500ms");
  }
}
