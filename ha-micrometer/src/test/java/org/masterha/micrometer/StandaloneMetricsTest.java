package org.masterha.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.standalone.StandaloneSession;
import org.masterha.proto.MasterInfo;

/** The meters of the standalone backend's sessions, through the kit every backend shares. */
class StandaloneMetricsTest {
  private final HaBackends backends = HaBackends.load();
  private final MeterRegistry registry = new SimpleMeterRegistry();

  private HaSession open(String member) {
    return backends.open(
        HaConfig.builder()
            .url("standalone:///metrics")
            .observer(MasterhaMetrics.builder(registry).tags(Tags.of("member", member)).build())
            .build());
  }

  private double gauge(String name, String member, String... tags) {
    return registry
        .get(name)
        .tags("backend", "standalone", "group", "/metrics", "member", member)
        .tags(tags)
        .gauge()
        .value();
  }

  private double counter(String name, String member, String... tags) {
    return registry
        .get(name)
        .tags("backend", "standalone", "group", "/metrics", "member", member)
        .tags(tags)
        .counter()
        .count();
  }

  @Test
  void leadingFlipsAcrossAnExpiryAndTheLossIsPutDownToTheSession() throws Exception {
    try (HaSession a = open("a");
        HaSession b = open("b");
        Detector detector = b.detector()) {
      assertThat(gauge(SessionMeters.STATE, "a", "state", "connected")).isEqualTo(1);
      assertThat(gauge(SessionMeters.STATE, "a", "state", "connecting")).isZero();

      Candidacy first = a.contender(info(1)).contend().get(5, TimeUnit.SECONDS);
      first.elected().get(5, TimeUnit.SECONDS);
      assertThat(gauge(GroupMeters.LEADING, "a")).isEqualTo(1);
      assertThat(gauge(GroupMeters.EPOCH, "a")).isEqualTo(first.epoch());
      assertThat(counter(GroupMeters.ELECTIONS_WON, "a")).isEqualTo(1);

      detector.detect().get(5, TimeUnit.SECONDS);
      await().until(() -> gauge(GroupMeters.LEADER_EPOCH, "b") == first.epoch());
      assertThat(gauge(GroupMeters.NO_LEADER, "b")).isZero();

      Candidacy second = b.contender(info(2)).contend().get(5, TimeUnit.SECONDS);
      assertThat(gauge(GroupMeters.LEADING, "b")).isZero();
      assertThat(gauge(GroupMeters.EPOCH, "b")).isEqualTo(second.epoch());
      var elected = second.elected();

      a.unwrap(StandaloneSession.class).expire();

      first.lost().get(5, TimeUnit.SECONDS);
      elected.get(5, TimeUnit.SECONDS);
      await()
          .untilAsserted(
              () -> {
                assertThat(counter(GroupMeters.LOST, "a", "reason", "session_lost")).isEqualTo(1);
                assertThat(gauge(GroupMeters.LEADING, "a")).isZero();
                assertThat(gauge(GroupMeters.LEADING, "b")).isEqualTo(1);
                assertThat(gauge(GroupMeters.LEADER_EPOCH, "b")).isEqualTo(second.epoch());
              });
      assertThat(second.epoch()).isGreaterThan(first.epoch());
      assertThat(counter(GroupMeters.LOST, "a", "reason", "withdrawn")).isZero();
      assertThat(counter(GroupMeters.ELECTIONS_WON, "b")).isEqualTo(1);
      assertThat(counter(GroupMeters.LEADER_CHANGES, "b")).isGreaterThanOrEqualTo(2);
      assertThat(registry.get(GroupMeters.NOTIFY_LATENCY).tags("member", "b").timer().count())
          .isGreaterThanOrEqualTo(2);

      b.close();
      assertThat(registry.find(GroupMeters.LEADING).tags("member", "b").gauge())
          .as("a closed session's meters leave the registry")
          .isNull();
      assertThat(registry.find(GroupMeters.LEADING).tags("member", "a").gauge()).isNotNull();
    }
  }

  @Test
  void aWithdrawnCandidacyCountsAsWithdrawnAndNoLeaderTimeGrows() throws Exception {
    try (HaSession a = open("w");
        Detector detector = a.detector()) {
      var contender = a.contender(info(4));
      Candidacy c = contender.contend().get(5, TimeUnit.SECONDS);
      c.elected().get(5, TimeUnit.SECONDS);
      detector.detect().get(5, TimeUnit.SECONDS);
      contender.withdraw().get(5, TimeUnit.SECONDS);
      c.lost().get(5, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                assertThat(counter(GroupMeters.LOST, "w", "reason", "withdrawn")).isEqualTo(1);
                assertThat(gauge(GroupMeters.LEADING, "w")).isZero();
                assertThat(gauge(GroupMeters.EPOCH, "w")).isNaN();
                assertThat(gauge(GroupMeters.LEADER_EPOCH, "w")).isNaN();
              });
      double first = gauge(GroupMeters.NO_LEADER, "w");
      await().until(() -> gauge(GroupMeters.NO_LEADER, "w") > first);
      assertThat(gauge(SessionMeters.RENEWAL_AGE, "w"))
          .as("the in-memory store never renews")
          .isNaN();
    }
  }

  static MasterInfo info(int port) {
    return MasterInfo.newBuilder()
        .setId("m" + port)
        .setIp(16777343)
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .build();
  }
}
