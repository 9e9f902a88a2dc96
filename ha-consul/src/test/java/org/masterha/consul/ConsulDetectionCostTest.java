package org.masterha.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.tck.RequestCounter;

/**
 * What a leader change costs the Consul agent, counted by the fake: per session, the blocking query
 * the change answered is sent again, and the new leader's data is not read (the query brought it),
 * however many detectors and candidacies the session has, on the kit's wrapper and on the backend's
 * bare session alike.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsulDetectionCostTest {
  private static final int DETECTORS = 50;

  @Test
  void aLeaderChangeCostsEachSessionTheSameHoweverManyDetectItsLeader() throws Exception {
    try (FakeConsul consul = FakeConsul.builder().build().start()) {
      HaBackends backends = HaBackends.load();
      // A long session timeout: renewals (a quarter of the 30 s TTL) hardly ever fall into the
      // change counted.
      HaConfig config =
          HaConfig.builder()
              .url("consul://" + consul.hostAndPort() + "/mesos")
              .sessionTimeout(Duration.ofSeconds(60))
              .build();
      try (HaSession detecting = backends.open(config);
          HaSession first = backends.open(config);
          HaSession second = backends.open(config)) {
        HaSession bare = detecting.unwrap(ConsulSession.class);
        List<Detector> detectors = new ArrayList<>();
        List<AtomicLong> seen = new ArrayList<>();
        for (int i = 0; i < 2 * DETECTORS; i++) {
          // Half on the kit's wrapper, half on the backend's own session: all share one detection.
          Detector d = i % 2 == 0 ? detecting.detector() : bare.detector();
          AtomicLong epoch = new AtomicLong(-1);
          d.follow(l -> epoch.set(l.map(Leader::epoch).orElse(-1L)));
          detectors.add(d);
          seen.add(epoch);
        }
        Candidacy leader =
            first
                .contender(MasterInfos.of("m1", "127.0.0.1", 5050, "localhost", "1.0.0"))
                .contend()
                .get(20, TimeUnit.SECONDS);
        leader.elected().get(20, TimeUnit.SECONDS);
        Candidacy standby =
            second
                .contender(MasterInfos.of("m2", "127.0.0.1", 5051, "localhost", "1.0.0"))
                .contend()
                .get(20, TimeUnit.SECONDS);
        standby.elected();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.stream().allMatch(e -> e.get() == leader.epoch()));
        RequestCounter requests =
            new RequestCounter("the fake's requests", () -> consul.requestCount());
        long before = requests.settled(Duration.ofSeconds(10));
        first.close(); // the leader goes: its Consul session is destroyed, its member deleted
        standby.elected().get(20, TimeUnit.SECONDS);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.stream().allMatch(e -> e.get() == standby.epoch()));
        long cost = requests.settled(Duration.ofSeconds(10)) - before;
        // The close (a few requests: deleting the member, destroying the session), then one new
        // blocking query for each of the three groups that saw the change; a renewal may fall in.
        // Before, each bare detector read the leader's data on its own (50 more).
        assertThat(cost)
            .as(
                "requests the agent received for one leader change seen by %d detectors of one"
                    + " session",
                2 * DETECTORS)
            .isLessThanOrEqualTo(10);
        detectors.forEach(Detector::close);
      }
    }
  }
}
