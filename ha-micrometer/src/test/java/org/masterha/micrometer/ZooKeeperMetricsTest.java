package org.masterha.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Leader;
import org.masterha.stores.ZooKeeperEnsemble;

/**
 * The meters against one real ZooKeeper server: renewals (the session's own heartbeats) are counted
 * and timed, the leading gauge flips on a failover, and a server that stops answering shows as
 * failed renewals, a passed deadline and a candidacy lost to the session.
 */
class ZooKeeperMetricsTest {
  private static final Duration TIMEOUT = Duration.ofMillis(1500);
  private static ZooKeeperEnsemble zk;
  private final HaBackends backends = HaBackends.load();

  @BeforeAll
  static void startServer() throws Exception {
    zk = new ZooKeeperEnsemble(1, Map.of(), Path.of("target", "zk-logs"));
    zk.start();
  }

  @AfterAll
  static void stopServer() {
    if (zk != null) {
      zk.close();
    }
  }

  private HaSession open(String base, MeterRegistry registry) {
    return backends.open(
        HaConfig.builder()
            .url("zk://" + zk.connectString() + base)
            .sessionTimeout(TIMEOUT)
            .observer(MasterhaMetrics.of(registry))
            .build());
  }

  private static double gauge(MeterRegistry r, String name, String... tags) {
    return r.get(name).tags("backend", "zookeeper").tags(tags).gauge().value();
  }

  @Test
  void renewalsAreCountedAndLeadingFlipsOnFailover() throws Exception {
    MeterRegistry ra = new SimpleMeterRegistry();
    MeterRegistry rb = new SimpleMeterRegistry();
    try (HaSession a = open("/failover", ra);
        HaSession b = open("/failover", rb)) {
      Candidacy first =
          a.contender(StandaloneMetricsTest.info(1)).contend().get(10, TimeUnit.SECONDS);
      first.elected().get(10, TimeUnit.SECONDS);
      assertThat(gauge(ra, SessionMeters.STATE, "state", "connected")).isEqualTo(1);
      assertThat(gauge(ra, GroupMeters.LEADING, "group", "/failover")).isEqualTo(1);
      // A session holding a member renews six times per timeout: a few within a second.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> ra.get(SessionMeters.RENEWAL_LATENCY).timer().count() >= 4);
      assertThat(gauge(ra, SessionMeters.RENEWAL_AGE)).isLessThan(TIMEOUT.toMillis() / 1000.0);
      assertThat(ra.get(SessionMeters.RENEWALS_FAILED).counter().count()).isZero();

      Candidacy second =
          b.contender(StandaloneMetricsTest.info(2)).contend().get(10, TimeUnit.SECONDS);
      CompletableFuture<Leader> elected = second.elected();
      assertThat(gauge(rb, GroupMeters.LEADING, "group", "/failover")).isZero();

      a.close();
      elected.get(10, TimeUnit.SECONDS);
      assertThat(gauge(rb, GroupMeters.LEADING, "group", "/failover")).isEqualTo(1);
      assertThat(gauge(rb, GroupMeters.EPOCH, "group", "/failover")).isEqualTo(second.epoch());
      assertThat(rb.get(GroupMeters.ELECTIONS_WON).counter().count()).isEqualTo(1);
      assertThat(ra.find(GroupMeters.LEADING).gauge()).as("closed: meters removed").isNull();
    }
  }

  @Test
  void aServerThatStopsAnsweringShowsAsFailedRenewalsAndASessionLoss() throws Exception {
    MeterRegistry r = new SimpleMeterRegistry();
    try (HaSession s = open("/pause", r)) {
      Candidacy c = s.contender(StandaloneMetricsTest.info(3)).contend().get(10, TimeUnit.SECONDS);
      c.elected().get(10, TimeUnit.SECONDS);
      zk.pause(0);
      try {
        c.lost().get(10, TimeUnit.SECONDS);
      } finally {
        zk.resume(0);
      }
      assertThat(r.get(SessionMeters.DEADLINES_PASSED).counter().count()).isEqualTo(1);
      assertThat(r.get(SessionMeters.RENEWALS_FAILED).counter().count()).isPositive();
      assertThat(r.get(GroupMeters.LOST).tags("reason", "session_lost").counter().count())
          .isEqualTo(1);
      assertThat(gauge(r, GroupMeters.LEADING, "group", "/pause")).isZero();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> gauge(r, SessionMeters.STATE, "state", "connected") == 1);
    }
  }
}
