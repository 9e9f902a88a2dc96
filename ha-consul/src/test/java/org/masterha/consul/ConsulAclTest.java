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
import org.kiwiproject.consul.Consul;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfos;
import org.slf4j.LoggerFactory;

/** The ACL token: read from a file, sent in a header, refused with a clear error, never printed. */
class ConsulAclTest {
  private static final String TOKEN = "9f86d081-884c-7d65-9a2f-ea0c5adf1be2";

  /** key_prefix "mesos/" { policy = "read" }, and nothing else. */
  private static final String READER = "4a1c7e0d-read-only-9b3f-2e6d8c1a5f70";

  private static final String WRONG = "0b2e5c1a-wrong-token-7d65-3d2f0c5a1b7e";
  private final HaBackends backends = HaBackends.load();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private FakeConsul consul;

  @BeforeEach
  void start() {
    consul =
        FakeConsul.builder()
            .aclToken(TOKEN)
            .keyPrefixReadToken(READER, "mesos/")
            .sessionTtlMin(Duration.ofSeconds(1))
            .build()
            .start();
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

  @Test
  void aDetectorWhoseTokenMayOnlyReadFollowsTheLeaderAndCreatesNoSession() throws Exception {
    // Long enough that a loaded machine does not lose a master's session: the handover is a close.
    Duration timeout = Duration.ofSeconds(10);
    try (HaSession first =
            backends.open(
                config(timeout).credentials(Credentials.token(Secret.of(TOKEN))).build());
        HaSession second =
            backends.open(
                config(timeout).credentials(Credentials.token(Secret.of(TOKEN))).build());
        HaSession detecting =
            backends.open(
                config(timeout).credentials(Credentials.token(Secret.of(READER))).build());
        Detector d = detecting.detector();
        // One that could make a Consul session, to show that detecting alone makes none.
        HaSession mayWrite =
            backends.open(
                config(timeout).credentials(Credentials.token(Secret.of(TOKEN))).build());
        Detector d2 = mayWrite.detector()) {
      Consul admin = Consul.builder().withUrl(consul.httpUrl()).withTokenAuth(TOKEN).build();
      Candidacy c1 =
          first
              .contender(MasterInfos.of("first", "127.0.0.1", 5050, "localhost", "1.4.0"))
              .contend()
              .get(20, TimeUnit.SECONDS);
      c1.elected().get(20, TimeUnit.SECONDS);
      Optional<Leader> leader = d.detect().get(20, TimeUnit.SECONDS);
      assertThat(leader).map(Leader::membership).contains(c1.membership());
      Candidacy c2 =
          second
              .contender(MasterInfos.of("second", "127.0.0.1", 5051, "localhost", "1.4.0"))
              .contend()
              .get(20, TimeUnit.SECONDS);
      first.close();
      assertThat(d.detect(leader).get(20, TimeUnit.SECONDS))
          .map(Leader::membership)
          .contains(c2.membership());
      assertThat(d2.detect(leader).get(20, TimeUnit.SECONDS))
          .map(Leader::membership)
          .contains(c2.membership());

      // Consul holds one session, the second master's: neither detector asked for one (the
      // read-only token could not have made one, the other could have, and neither needed one).
      assertThat(detecting.sessionId()).isEmpty();
      assertThat(mayWrite.sessionId()).isEmpty();
      try {
        assertThat(admin.sessionClient().listSessions())
            .extracting(s -> s.getId())
            .containsExactly(second.sessionId());
      } finally {
        admin.destroy();
      }
    }
    assertNoLogShows(READER);
  }
}
