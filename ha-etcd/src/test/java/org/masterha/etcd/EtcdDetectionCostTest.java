package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.tck.RequestCounter;

/**
 * What a leader change costs etcd in reads, counted by etcd itself ({@code
 * grpc_server_handled_total} of {@code Range} on its metrics endpoint): per session, the base
 * group's keys-only listing of the change and no read of the new leader's data (its watch event
 * carried it), however many detectors and candidacies the session has, on the kit's wrapper and on
 * the backend's bare session alike.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EtcdDetectionCostTest {
  private static final int DETECTORS = 50;

  @Test
  void aLeaderChangeCostsEachSessionTheSameHoweverManyDetectItsLeader() throws Exception {
    try (EtcdFixture fixture = EtcdFixture.single("cost")) {
      fixture.start();
      URI metrics = URI.create(fixture.cluster().members().get(0).clientUrl() + "/metrics");
      HaBackends backends = HaBackends.load();
      HaConfig config = fixture.config("/mesos", Duration.ofSeconds(10));
      try (HaSession detecting = backends.open(config);
          HaSession first = backends.open(config);
          HaSession second = backends.open(config)) {
        // The detecting session follows from the start, so it sees both candidacies join.
        HaSession bare = detecting.unwrap(EtcdSession.class);
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
        RequestCounter requests = new RequestCounter("etcd Range requests", () -> ranges(metrics));
        long before = requests.settled(Duration.ofSeconds(10));
        first.close(); // the leader goes: its lease is revoked, its member deleted at once
        standby.elected().get(20, TimeUnit.SECONDS);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.stream().allMatch(e -> e.get() == standby.epoch()));
        long reads = requests.settled(Duration.ofSeconds(10)) - before;
        // One keys-only listing for each of the two sessions left (the base group's two watches
        // are read by a listing), perhaps one more when a change came in while one was under way;
        // no data read. Before, each bare detector read the leader's data on its own.
        assertThat(reads)
            .as(
                "reads etcd served for one leader change seen by %d detectors of one session",
                2 * DETECTORS)
            .isLessThanOrEqualTo(4);
        detectors.forEach(Detector::close);
      }
    }
  }

  /** The Range requests etcd has handled, from its metrics. */
  private static long ranges(URI metrics) throws Exception {
    String body =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    long sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith("grpc_server_handled_total{") && line.contains("grpc_method=\"Range\"")) {
        sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
