package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.FaultInjector;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.SessionContract;
import org.masterha.tck.SessionFaultContract;
import org.masterha.tck.TestClient;

/**
 * The contracts whose behaviour depends on the number of servers, against a real three-server
 * ZooKeeper ensemble: sessions and every session fault (a client moves to another server, the
 * ensemble's leader server goes), plus what only an ensemble can show: losing ZooKeeper's own
 * leader server moves every client to another server within its session. The other contracts
 * (group, contender, detector, PID group, state, callbacks) run once, on one server ({@link
 * ZooKeeperSingleServerConformanceTest}).
 */
class ZooKeeperEnsembleConformanceTest extends FixtureLifecycle
    implements SessionContract, SessionFaultContract {
  @Override
  protected BackendFixture createFixture() {
    return ZooKeeperFixture.ensemble();
  }

  /**
   * 6 s instead of the suite's 3 s: when ZooKeeper's leader server goes, every server drops its
   * clients, and ZooKeeper's client waits a random 0 to 1 s before each reconnect attempt (and 1 s
   * more after trying every server), so finding a server that serves again can take about 3 s. A
   * session must outlive that with room to spare, as the 10 s default does in production.
   */
  @Override
  protected Duration sessionTimeout() {
    return Duration.ofSeconds(6);
  }

  @Test
  void killingTheZooKeeperLeaderServerKeepsEverySessionAndTheMasterLeader() throws Exception {
    TestClient a = connect();
    TestClient b = connect();
    TestClient watcher = connect();
    Candidacy c1 = await(contender(a, masterInfo("leader", 5050)).contend());
    await(c1.elected());
    Candidacy c2 = await(contender(b, masterInfo("standby", 5051)).contend());
    Detector d = detector(watcher);
    Optional<Leader> leader = await(d.detect());
    assertThat(leader).map(Leader::membership).contains(c1.membership());
    CompletableFuture<Optional<Leader>> change = d.detect(leader);
    List<ZooKeeperSession> sessions =
        List.of(a, b, watcher).stream()
            .map(c -> c.session().unwrap(ZooKeeperSession.class))
            .toList();
    List<String> ids = sessions.stream().map(ZooKeeperSession::sessionId).toList();
    List<Integer> reconnections = sessions.stream().map(ZooKeeperSession::reconnections).toList();
    ZooKeeperServers servers = ((ZooKeeperFixture) fixture()).servers();
    int stopped = servers.leader().orElseThrow();

    FaultInjector stopLeader = assumeFault(Fault.STOP_LEADER_SERVER);
    stopLeader.inject();
    try {
      awaitUntil(
          "a new ZooKeeper leader", () -> servers.leader().filter(i -> i != stopped).isPresent());
      // Every server dropped its clients when the leader went; each came back with the session it
      // had.
      awaitUntil(
          "every session reconnected",
          () -> {
            for (int i = 0; i < sessions.size(); i++) {
              ZooKeeperSession s = sessions.get(i);
              if (s.reconnections() <= reconnections.get(i)
                  || s.sessionState() != ZooKeeperSession.SessionState.CONNECTED) {
                return false;
              }
            }
            return true;
          });
      assertThat(sessions.stream().map(ZooKeeperSession::sessionId).toList())
          .as("session ids")
          .isEqualTo(ids);
      assertThat(c1.lost()).as("the master leader's candidacy").isNotDone();
      assertThat(c2.elected()).as("the standby's election").isNotDone();
      assertThat(change).as("a detected leader change").isNotDone();
      assertThat(await(detector(connect()).detect()))
          .map(Leader::membership)
          .contains(c1.membership());
    } finally {
      stopLeader.heal();
    }
  }
}
