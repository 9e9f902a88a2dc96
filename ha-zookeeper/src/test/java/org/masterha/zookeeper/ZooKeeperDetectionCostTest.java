package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.tck.RequestCounter;

/**
 * What a leader change costs the ZooKeeper servers, counted by the server itself (the packets
 * {@code srvr} reports received): per session, one getChildren (the child watch fired) and one
 * getData of the new leader, however many detectors and candidacies the session has, on the kit's
 * wrapper and on the backend's bare session alike.
 */
class ZooKeeperDetectionCostTest {
  private static final int DETECTORS = 50;

  @Test
  void aLeaderChangeCostsEachSessionTheSameHoweverManyDetectItsLeader() throws Exception {
    try (ZooKeeperServers servers = new ZooKeeperServers(1, Map.of())) {
      servers.start();
      InetSocketAddress server = servers.clientAddresses().get(0);
      HaBackends backends = HaBackends.load();
      // A long session timeout: the sessions' own heartbeats (a sixth of it) hardly ever fall
      // into the change counted.
      HaConfig config =
          HaConfig.builder()
              .url("zk://" + servers.connectString() + "/mesos")
              .sessionTimeout(Duration.ofSeconds(60))
              .build();
      try (HaSession first = backends.open(config);
          HaSession second = backends.open(config);
          HaSession detecting = backends.open(config)) {
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
        HaSession bare = detecting.unwrap(ZooKeeperSession.class);
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
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.stream().allMatch(e -> e.get() == leader.epoch()));
        RequestCounter requests =
            new RequestCounter("ZooKeeper packets received", () -> received(server), 1);
        long before = requests.settled(Duration.ofSeconds(10));
        first.close(); // the leader goes: its session is closed, its member deleted at once
        standby.elected().get(20, TimeUnit.SECONDS);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.stream().allMatch(e -> e.get() == standby.epoch()));
        long cost = requests.settled(Duration.ofSeconds(10)) - before;
        // The close (1), then for each of the two sessions left one getChildren and one getData of
        // the new leader (4); one or two heartbeats may fall in. Before the detection was shared
        // on bare sessions, each of the bare detectors read the leader on its own (50 more).
        assertThat(cost)
            .as(
                "requests the servers received for one leader change seen by %d detectors of one"
                    + " session",
                2 * DETECTORS)
            .isLessThanOrEqualTo(8);
        detectors.forEach(Detector::close);
      }
    }
  }

  /** The packets the server has received, as its {@code srvr} command reports them. */
  private static long received(InetSocketAddress server) {
    try (Socket s = new Socket()) {
      s.connect(server, 2000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("Received: ")) {
          return Long.parseLong(line.substring("Received: ".length()).trim());
        }
      }
      throw new IllegalStateException("srvr reported no 'Received:' line");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
