package org.masterha.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.state.Variable;
import org.masterha.proto.MasterInfo;
import org.masterha.stores.RaftPeers;

/**
 * A Raft leader peer paused (SIGSTOP) for longer than a session timeout, the rest of the group
 * healthy: the other peers elect a leader within an election timeout and give every session a fresh
 * timeout, so the master that leads must keep leading. Its keep-alives, sent to the paused peer,
 * get no answer and no connection error either: the client has to give up on them and find the new
 * Raft leader before the session's deadline passes on its own clock.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RaftLeaderPeerPauseTest {
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);

  @TempDir Path logs;

  private RaftPeers peers;

  @BeforeEach
  void startPeers() throws Exception {
    peers = new RaftPeers(3, logs);
    peers.start();
  }

  @AfterEach
  void stopPeers() {
    peers.close();
  }

  @Test
  void pausingTheRaftLeaderPeerCostsTheLeadingMasterNothing() throws Exception {
    String url = "raft://" + peers.hostList() + "/pause";
    HaConfig config = HaConfig.builder().url(url).sessionTimeout(SESSION_TIMEOUT).build();
    try (RaftAdmin admin = RaftAdmin.connect(url);
        HaSession session = HaBackends.load().open(config)) {
      admin.awaitServing(Duration.ofSeconds(60));
      Candidacy leader = session.contender(master(5050)).contend().get(30, TimeUnit.SECONDS);
      leader.elected().get(30, TimeUnit.SECONDS);
      int raftLeader = raftLeader(admin, -1);

      peers.pause(raftLeader);
      try {
        raftLeader(admin, raftLeader);
        // Two session timeouts with the old Raft leader still paused: every keep-alive sent to it
        // in the meantime must have found the new one.
        Awaitility.await("the leading master keeps its candidacy while a Raft leader is paused")
            .during(SESSION_TIMEOUT.multipliedBy(2))
            .atMost(SESSION_TIMEOUT.multipliedBy(3))
            .until(() -> !leader.lost().isDone() && leader.isLeader());
      } finally {
        peers.resume(raftLeader);
      }
      byte[] v = "written as leader".getBytes(StandardCharsets.UTF_8);
      assertThat(
              session
                  .state(Optional.of(leader))
                  .store(Variable.absent("after-pause"), v)
                  .get(30, TimeUnit.SECONDS))
          .as("a fenced write by the master that kept leading")
          .isPresent();
      assertThat(leader.lost()).isNotDone();
    }
  }

  /** The index of the peer every answering peer calls leader, other than {@code not}. */
  private int raftLeader(RaftAdmin admin, int not) {
    return Awaitility.await("a Raft leader other than peer " + not)
        .atMost(20, TimeUnit.SECONDS)
        .pollInterval(50, TimeUnit.MILLISECONDS)
        .until(admin::leader, l -> l.isPresent() && l.getAsInt() != not)
        .getAsInt();
  }

  private static MasterInfo master(int port) {
    return TestMasters.master("pause", port);
  }
}
