package org.masterha.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.masterha.demo.master.DemoMaster;
import org.masterha.demo.master.MasterOptions;
import org.masterha.ha.HaBackends;

/**
 * The client against real masters in this JVM (the standalone backend: the sessions of one
 * HaBackends share its store), each serving its real gRPC API on a loopback port.
 */
class LeaderClientMastersTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final HaBackends backends = HaBackends.load();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    java.util.Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private DemoMaster master(String name, TestInfo test) throws Exception {
    MasterOptions o =
        MasterOptions.parse(
            MasterOptions.FLAGS.parse(
                "--ha-url=standalone:///" + test.getTestMethod().orElseThrow().getName(),
                "--port=0",
                "--ip=127.0.0.1",
                "--name=" + name,
                "--session-timeout=2s"),
            backends);
    DemoMaster m = new DemoMaster(o, backends, code -> {});
    m.start();
    open.add(m);
    return m;
  }

  private static String endpoint(DemoMaster m) {
    return "127.0.0.1:" + m.port();
  }

  private static LeadingMaster leading(DemoMaster m) {
    return new LeadingMaster(m.info(), m.view().epoch());
  }

  private LeaderClient client(BlockingQueue<String> reporters, String... endpoints) {
    LeaderClient c =
        LeaderClient.create(
            LeaderClientOptions.builder()
                .endpoints(endpoints)
                .initialBackoff(Duration.ofMillis(50))
                .maxBackoff(Duration.ofMillis(500))
                .build());
    c.addListener((leader, reportedBy) -> reporters.add(reportedBy));
    open.add(c);
    return c.start();
  }

  /**
   * The first endpoint is down; the second, a master that does not lead, answers with the leader it
   * sees.
   */
  @Test
  void aFollowerNamesTheLeaderWhenTheFirstEndpointIsDown(TestInfo test) throws Exception {
    DemoMaster m1 = master("m1", test);
    await().atMost(WAIT).until(() -> m1.view().leading());
    DemoMaster m2 = master("m2", test);
    await().atMost(WAIT).until(() -> m2.view().detectedLeader().isPresent());

    BlockingQueue<String> reporters = new LinkedBlockingQueue<>();
    String dead = "127.0.0.1:" + LeaderClientProtocolTest.deadPort();
    LeaderClient c = client(reporters, dead, endpoint(m2));
    assertThat(c.detect(Optional.empty()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .contains(leading(m1));
    assertThat(reporters.take()).isEqualTo(endpoint(m2));
    assertThat(c.current().orElseThrow().endpoint()).isEqualTo(endpoint(m1));
  }

  /**
   * The client watches the leader's own stream; the leader goes away (its stream ends), the client
   * moves to the other master and reports it, elected in a higher epoch.
   */
  @Test
  void whenTheWatchedLeaderGoesAwayTheClientFollowsItsSuccessor(TestInfo test) throws Exception {
    DemoMaster m1 = master("m1", test);
    await().atMost(WAIT).until(() -> m1.view().leading());
    DemoMaster m2 = master("m2", test);
    await().atMost(WAIT).until(() -> m2.view().detectedLeader().isPresent());

    BlockingQueue<String> reporters = new LinkedBlockingQueue<>();
    LeaderClient c = client(reporters, endpoint(m1), endpoint(m2));
    LeadingMaster first =
        c.detect(Optional.empty()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow();
    assertThat(first).isEqualTo(leading(m1));
    assertThat(reporters.take()).isEqualTo(endpoint(m1));

    var next = c.detect(Optional.of(first));
    m1.close();
    await().atMost(WAIT).until(() -> m2.view().leading());
    LeadingMaster successor = leading(m2);
    assertThat(successor.epoch()).isGreaterThan(first.epoch());
    // detect may first see "no leader" between the two; the leader after that is m2.
    Optional<LeadingMaster> seen = next.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (seen.isEmpty()) {
      seen = c.detect(seen).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    assertThat(seen).contains(successor);
    assertThat(c.current()).contains(successor);
    assertThat(reporters).last().isEqualTo(endpoint(m2));
  }
}
