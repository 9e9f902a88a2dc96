package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.Secret;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;

/** How a config becomes ZooKeeper settings, and what is refused; no server needed. */
class ZooKeeperSettingsTest {
  @Test
  void registeredThroughServiceLoaderByNameAndScheme() {
    HaBackends backends = HaBackends.load();
    assertThat(backends.byName("zookeeper")).isInstanceOf(ZooKeeperBackend.class);
    assertThat(backends.byScheme("zk")).isInstanceOf(ZooKeeperBackend.class);
    assertThat(backends.resolve(HaConfig.of("zk://127.0.0.1:2181/mesos")))
        .isInstanceOf(ZooKeeperBackend.class);
  }

  @Test
  void hostsWithoutAPortGetZooKeepersDefault() {
    ZooKeeperSettings s =
        ZooKeeperSettings.of(HaConfig.of("zk://10.0.0.1,10.0.0.2:2182,[::1]/mesos"));
    assertThat(s.connectString()).isEqualTo("10.0.0.1:2181,10.0.0.2:2182,[::1]:2181");
    assertThat(s.basePath()).isEqualTo("/mesos");
    assertThat(s.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void withoutCredentialsNodesAreOpenAndNoAuthIsSent() {
    ZooKeeperSettings s = ZooKeeperSettings.of(HaConfig.of("zk://127.0.0.1:2181/mesos"));
    assertThat(s.acl()).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    assertThat(s.auth()).isEmpty();
  }

  @Test
  void userAndPasswordMeanDigestAuthAndCreatorAllWorldReadAcls() {
    ZooKeeperSettings s =
        ZooKeeperSettings.of(HaConfig.of("zk://mesos:s3cret@127.0.0.1:2181/mesos"));
    assertThat(s.acl())
        .containsExactly(
            new ACL(ZooDefs.Perms.ALL, new Id("auth", "")),
            new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));
    assertThat(s.auth())
        .hasValueSatisfying(
            a -> {
              assertThat(a.getScheme()).isEqualTo("digest");
              assertThat(new String(a.getAuth(), StandardCharsets.UTF_8)).isEqualTo("mesos:s3cret");
            });
    assertThat(s.user()).contains("mesos");
  }

  @Test
  void credentialsMayComeFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("zk-credentials");
    Files.writeString(file, "mesos:fromfile\n");
    HaConfig config =
        HaConfig.builder()
            .url("zk://127.0.0.1:2181/mesos")
            .credentials(Credentials.fromFile(file))
            .build();
    ZooKeeperSettings s = ZooKeeperSettings.of(config);
    assertThat(new String(s.auth().orElseThrow().getAuth(), StandardCharsets.UTF_8))
        .isEqualTo("mesos:fromfile");
    assertThat(config.toString()).doesNotContain("fromfile");
  }

  @Test
  void aBareTokenIsRefused() {
    HaConfig config =
        HaConfig.builder()
            .url("zk://127.0.0.1:2181/mesos")
            .credentials(Credentials.token(Secret.of("tok3n")))
            .build();
    assertThatThrownBy(() -> ZooKeeperSettings.of(config))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("user:password")
        .hasMessageNotContaining("tok3n");
  }

  @Test
  void theRootPathIsRefused() {
    assertThatThrownBy(() -> HaConfig.of("zk://127.0.0.1:2181/"))
        .isInstanceOf(HaConfigException.class);
    assertThatThrownBy(() -> HaConfig.of("zk://127.0.0.1:2181"))
        .isInstanceOf(HaConfigException.class);
  }

  @Test
  void pathsZooKeeperRejectsAreRefused() {
    assertThatThrownBy(() -> ZooKeeperSettings.of(HaConfig.of("zk://127.0.0.1:2181/zookeeper/x")))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("not a valid ZooKeeper path");
  }

  @Test
  void aTlsCaFileWithoutACertificateIsRefusedWhenTheSessionOpens(@TempDir Path dir)
      throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    HaConfig config =
        HaConfig.builder()
            .url("zk://127.0.0.1:2181/mesos")
            .tls(TlsOptions.builder().trustedCa(ca).build())
            .build();
    assertThatThrownBy(() -> new ZooKeeperBackend().open(config))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("TLS settings")
        .hasMessageContaining(ca.toString())
        .hasMessageContaining("cannot be used for ZooKeeper");
  }

  @Test
  void unknownZooKeeperOptionsAreRefusedAndOtherBackendsOptionsIgnored() {
    HaConfig typo =
        HaConfig.builder()
            .url("zk://127.0.0.1:2181/mesos")
            .option("zookeeper.sesion-timeout", "5s")
            .build();
    assertThatThrownBy(() -> ZooKeeperSettings.of(typo))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("zookeeper.sesion-timeout");
    HaConfig other =
        HaConfig.builder()
            .url("zk://127.0.0.1:2181/mesos")
            .option("consul.lock-delay", "1s")
            .build();
    assertThat(ZooKeeperSettings.of(other).connectString()).isEqualTo("127.0.0.1:2181");
  }

  @Test
  void otherSchemesAreRefused() {
    assertThatThrownBy(
            () -> new ZooKeeperBackend().open(HaConfig.of("etcd://127.0.0.1:2379/mesos")))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("zk://");
  }

  @Test
  void aBadGroupPathIsRefusedWithoutConnecting() {
    try (var session =
        new ZooKeeperBackend()
            .open(
                HaConfig.builder()
                    .url("zk://127.0.0.1:1/mesos")
                    .sessionTimeout(Duration.ofSeconds(1))
                    .build())) {
      assertThatThrownBy(() -> session.group("a//b")).isInstanceOf(HaConfigException.class);
      assertThatThrownBy(() -> session.group("/abs")).isInstanceOf(HaConfigException.class);
      assertThat(session.group("log_replicas").path()).isEqualTo("/mesos/log_replicas");
      assertThat(session.group("").path()).isEqualTo("/mesos");
      assertThat(session.sessionId()).isEmpty();
      assertThat(session.toString()).contains("/mesos");
    }
  }
}
