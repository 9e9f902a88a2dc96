package org.masterha.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.slf4j.LoggerFactory;

/** The ACL token: read from a file, sent in a header, refused with a clear error, never printed. */
class ConsulAclTest {
  private static final String TOKEN = "9f86d081-884c-7d65-9a2f-ea0c5adf1be2";
  private static final String WRONG = "0b2e5c1a-wrong-token-7d65-3d2f0c5a1b7e";
  private final HaBackends backends = HaBackends.load();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private FakeConsul consul;

  @BeforeEach
  void start() {
    consul =
        FakeConsul.builder().aclToken(TOKEN).sessionTtlMin(Duration.ofSeconds(1)).build().start();
    logs.start();
    root().addAppender(logs);
  }

  @AfterEach
  void stop() {
    root().detachAppender(logs);
    consul.close();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private HaConfig.Builder config(Duration timeout) {
    return HaConfig.builder()
        .url("consul://" + consul.hostAndPort() + "/mesos")
        .sessionTimeout(timeout);
  }

  private void assertNoLogShows(String secret) {
    assertThat(logs.list)
        .allSatisfy(
            e -> {
              assertThat(e.getFormattedMessage()).doesNotContain(secret);
              if (e.getThrowableProxy() != null) {
                assertThat(e.getThrowableProxy().getMessage()).doesNotContain(secret);
              }
            });
  }

  @Test
  void tokenFromAFileWorks(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("consul-token");
    Files.writeString(file, TOKEN + "\n");
    try (HaSession s =
        backends.open(
            config(Duration.ofSeconds(4)).credentials(Credentials.fromFile(file)).build())) {
      Membership m =
          s.group("").join("x".getBytes(UTF_8), Optional.of("json.info")).get(20, TimeUnit.SECONDS);
      assertThat(s.group("").members().get(20, TimeUnit.SECONDS)).containsExactly(m);
      assertThat(s.toString()).doesNotContain(TOKEN);
    }
    assertNoLogShows(TOKEN);
  }

  @Test
  void aWrongTokenIsRefusedAtOpenWithoutBeingPrinted() {
    assertThatThrownBy(
            () ->
                backends.open(
                    config(Duration.ofSeconds(4))
                        .credentials(Credentials.token(Secret.of(WRONG)))
                        .build()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("does not know the ACL token given (403 ACL not found)")
        .hasMessageNotContaining(WRONG);
    assertNoLogShows(WRONG);
  }

  @Test
  void noTokenFailsTheJoinWithTheReason() {
    // Anonymous may not read agent/self, so Consul's default minimum is assumed: 20s.
    try (HaSession s = backends.open(config(Duration.ofSeconds(20)).build())) {
      assertThatThrownBy(
              () ->
                  s.group("")
                      .join("x".getBytes(UTF_8), Optional.of("json.info"))
                      .get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(HaException.class)
          .hasMessageContaining("refused to create a session with no ACL token (anonymous)")
          .hasMessageContaining("Permission denied");
    }
    assertNoLogShows(TOKEN);
  }
}
