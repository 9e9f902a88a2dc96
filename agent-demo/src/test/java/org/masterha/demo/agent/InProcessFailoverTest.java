package org.masterha.demo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.masterha.demo.common.HaFlags;
import org.masterha.demo.master.DemoMaster;
import org.masterha.demo.master.MasterOptions;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;

/**
 * The master and agent state machines together in one JVM on the standalone backend (its store is
 * shared by the sessions of one HaBackends): election, registration, clean handover,
 * re-registration and fencing.
 */
class InProcessFailoverTest {
  private final HaBackends backends = HaBackends.load();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    java.util.Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private DemoMaster master(String name, CompletableFuture<Integer> exit) throws Exception {
    MasterOptions o =
        MasterOptions.parse(
            MasterOptions.FLAGS.parse(
                "--ha-backend=standalone",
                "--ha-url=standalone:///inproc",
                "--port=0",
                "--name=" + name,
                "--session-timeout=2s"),
            backends);
    DemoMaster m = new DemoMaster(o, backends, exit::complete);
    m.start();
    open.add(m);
    return m;
  }

  private DemoAgent agent(String name, long minEpoch) {
    return agent(name, minEpoch, HaConfig.DEFAULT_SESSION_TIMEOUT);
  }

  private DemoAgent agent(String name, long minEpoch, Duration confirmRegress) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--ha-url=standalone:///inproc",
                "--name=" + name,
                "--id=" + name,
                "--heartbeat-interval=100ms"));
    if (minEpoch >= 0) {
      args.add("--min-epoch=" + minEpoch);
    }
    AgentOptions o =
        AgentOptions.parse(AgentOptions.FLAGS.parse(args.toArray(String[]::new)), backends);
    HaConfig ha = o.ha().orElseThrow();
    DemoAgent a = new DemoAgent(o, new HaLeaderSource(backends, ha), code -> {}, confirmRegress);
    a.start();
    open.add(a);
    return a;
  }

  @Test
  void agentFollowsACleanHandoverAndRefusesAStaleEpoch() throws Exception {
    assertThat(HaFlags.STANDALONE_DEFAULT_URL).startsWith("standalone://");
    CompletableFuture<Integer> exit1 = new CompletableFuture<>();
    DemoMaster m1 = master("m1", exit1);
    await().atMost(Duration.ofSeconds(10)).until(() -> m1.view().leading());
    DemoMaster m2 = master("m2", new CompletableFuture<>());
    await().atMost(Duration.ofSeconds(10)).until(() -> m2.view().detectedLeader().isPresent());
    assertThat(m2.view().leading()).isFalse();

    DemoAgent a1 = agent("a1", -1);
    long epoch1 = m1.view().epoch();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                a1.registeredWith()
                    .equals(java.util.Optional.of(m1.info().getPid() + "#" + epoch1)));

    m1.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> m2.view().leading());
    assertThat(m2.view().epoch()).isGreaterThan(epoch1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                a1.registeredWith()
                    .equals(java.util.Optional.of(m2.info().getPid() + "#" + m2.view().epoch())));

    // An agent that has seen a later epoch (say, before a restart) will not register with this
    // leader.
    DemoAgent a2 = agent("a2", m2.view().epoch() + 100);
    await()
        .during(Duration.ofMillis(800))
        .atMost(Duration.ofSeconds(3))
        .until(() -> a2.registeredWith().isEmpty());
    assertThat(exit1).isNotDone();
  }

  /**
   * Every leader it sees stays below the epoch it knows: the store went back in time (wiped,
   * restored), so after the confirmation period the agent follows the leader there is, on a new
   * epoch line, rather than refuse every master for ever (docs/contract.md, rule 11).
   */
  @Test
  void anAgentFollowsAStoreThatWentBackInTimeOnceTheRegressHasLasted() throws Exception {
    DemoMaster m1 = master("m1", new CompletableFuture<>());
    await().atMost(Duration.ofSeconds(10)).until(() -> m1.view().leading());
    long epoch = m1.view().epoch();
    Duration confirm = Duration.ofSeconds(1);
    long started = System.nanoTime();
    DemoAgent a = agent("a-after-wipe", epoch + 100, confirm);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                a.registeredWith().equals(java.util.Optional.of(m1.info().getPid() + "#" + epoch)));
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("registered only once the regress had lasted the confirmation period")
        .isGreaterThanOrEqualTo(confirm);
  }
}
