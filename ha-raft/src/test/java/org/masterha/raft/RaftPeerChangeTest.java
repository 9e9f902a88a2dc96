package org.masterha.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.state.Variable;
import org.masterha.proto.MasterInfo;
import org.masterha.raft.server.RaftNode;
import org.masterha.stores.RaftPeers;

/**
 * Adding and removing peers of a running group, each peer a process of its own: the machine
 * replacement an operator does (two new peers join, two original ones, the Raft leader among them,
 * leave) must cost the leading master nothing, and clients whose URL names only the original peers
 * must follow the group to its new peers.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RaftPeerChangeTest {
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(60);

  private RaftPeers peers;

  @BeforeEach
  void startPeers(TestInfo test) throws Exception {
    peers =
        new RaftPeers(
            3, Path.of("target", "raft-peers", test.getTestMethod().orElseThrow().getName()));
    peers.start();
  }

  @AfterEach
  void stopPeers() {
    peers.close();
  }

  @Test
  void replacingTwoPeersIncludingTheRaftLeaderCostsTheLeadingMasterNothing() throws Exception {
    // The URL names the original three peers only, as every client's configuration would.
    String oldUrl = "raft://" + peers.hostList() + "/change";
    HaConfig config = HaConfig.builder().url(oldUrl).sessionTimeout(SESSION_TIMEOUT).build();
    try (RaftAdmin admin = RaftAdmin.connect(oldUrl);
        HaSession session = HaBackends.load().open(config)) {
      admin.awaitServing(Duration.ofSeconds(60));
      Candidacy leader = session.contender(master(5050)).contend().get(30, TimeUnit.SECONDS);
      leader.elected().get(30, TimeUnit.SECONDS);
      AtomicReference<String> lostDuring = new AtomicReference<>();
      AtomicReference<String> step = new AtomicReference<>("started");
      leader.lost().whenComplete((v, e) -> lostDuring.compareAndSet(null, step.get()));
      write(session, leader, "before");

      for (int n = 0; n < 2; n++) {
        int joining = peers.startJoining();
        step.set("adding " + peers.id(joining));
        admin.addPeer(peers.id(joining), peers.peerAddress(joining), CHANGE_TIMEOUT);
        assertThat(ids(admin)).contains(peers.id(joining)).hasSize(4 + n);
        write(session, leader, "added-" + peers.id(joining));
      }

      // The Raft leader is one of the original peers (adding moves no leadership): remove it first,
      // then another original one.
      String raftLeader = raftLeaderId(admin);
      assertThat(raftLeader).isIn("n1", "n2", "n3");
      String other = raftLeader.equals("n1") ? "n2" : "n1";
      for (String removed : List.of(raftLeader, other)) {
        step.set("removing " + removed);
        admin.removePeer(removed, CHANGE_TIMEOUT);
        assertThat(ids(admin)).doesNotContain(removed).hasSize(removed.equals(other) ? 3 : 4);
        peers.stop(index(removed));
        write(session, leader, "removed-" + removed);
      }
      step.set("after the change");
      String remaining =
          List.of("n1", "n2", "n3").stream()
              .filter(id -> !id.equals(raftLeader) && !id.equals(other))
              .findFirst()
              .orElseThrow();
      assertThat(ids(admin)).containsExactlyInAnyOrder(remaining, "n4", "n5");

      // Majorities are counted over n3 (say), n4 and n5 now: the group serves with the two removed
      // peers down, through a URL that names only one live peer.
      admin.awaitServing(Duration.ofSeconds(30));
      try (RaftAdmin fresh = RaftAdmin.connect(oldUrl)) {
        fresh.awaitServing(Duration.ofSeconds(30));
        assertThat(ids(fresh)).containsExactlyInAnyOrder(remaining, "n4", "n5");
      }
      // And through one that names only the new peers.
      String newUrl =
          "raft://" + peers.peerAddress(index("n4")) + "," + peers.peerAddress(index("n5")) + "/x";
      try (RaftAdmin fresh = RaftAdmin.connect(newUrl)) {
        fresh.awaitServing(Duration.ofSeconds(30));
      }
      // A new client with the old URL (two of its three addresses dead) joins and writes.
      try (HaSession late = HaBackends.load().open(config)) {
        var contender = late.contender(master(5051));
        Candidacy second = contender.contend().get(30, TimeUnit.SECONDS);
        assertThat(second.elected()).isNotDone();
        assertThat(contender.withdraw().get(30, TimeUnit.SECONDS)).isTrue();
      }

      // A joined peer restarted with its data keeps its place: with it killed and brought back,
      // then the other new peer killed, only it can make the majority.
      step.set("restarting n4");
      peers.kill(index("n4"));
      peers.start(index("n4"));
      admin.awaitServing(Duration.ofSeconds(30));
      peers.kill(index("n5"));
      admin.awaitServing(Duration.ofSeconds(30));
      peers.start(index("n5"));
      write(session, leader, "after");

      assertThat(lostDuring.get()).as("the leading master lost its candidacy while ...").isNull();
      assertThat(leader.isLeader()).isTrue();
    }
  }

  @Test
  void changesThatCannotBeMadeAreRefusedNamingWhy() throws Exception {
    String url = "raft://" + peers.hostList() + "/refused";
    try (RaftAdmin admin = RaftAdmin.connect(url)) {
      admin.awaitServing(Duration.ofSeconds(60));
      assertThatThrownBy(() -> admin.addPeer("n2", "127.0.0.1:1", CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("raft peer 'n2' is already in the group");
      assertThatThrownBy(() -> admin.addPeer("n9", peers.peerAddress(1), CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is already peer 'n2'");
      assertThatThrownBy(() -> admin.addPeer("n 9", "127.0.0.1:1", CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected letters, digits");
      assertThatThrownBy(() -> admin.addPeer("n9", "nowhere", CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not host:port");
      String nobody = "127.0.0.1:" + freePort();
      assertThatThrownBy(() -> admin.addPeer("n9", nobody, CHANGE_TIMEOUT))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("answers at " + nobody)
          .hasMessageContaining("raft-node --join");

      int joining = peers.startJoining();
      assertThatThrownBy(() -> admin.addPeer("n7", peers.peerAddress(joining), CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is 'n4', not 'n7'");
      assertThatThrownBy(() -> admin.removePeer("n9", CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("raft peer 'n9' is not in the group");
      assertThat(ids(admin)).containsExactlyInAnyOrder("n1", "n2", "n3");

      // Down to one peer is allowed (a test group, say); below it is not.
      admin.removePeer("n2", CHANGE_TIMEOUT);
      admin.removePeer("n3", CHANGE_TIMEOUT);
      assertThat(ids(admin)).containsExactly("n1");
      assertThatThrownBy(() -> admin.removePeer("n1", CHANGE_TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("the group's last peer");
      admin.awaitServing(Duration.ofSeconds(30));

      // A removed peer that was a member before cannot be added back without emptying its data.
      // Ratis may have shut its part of the group down already (a removed peer that asked for
      // votes is told to), and then it answers with an error instead of its old peers.
      assertThatThrownBy(() -> admin.addPeer("n2", peers.peerAddress(1), CHANGE_TIMEOUT))
          .isInstanceOfAny(IllegalArgumentException.class, IOException.class)
          .hasMessageContaining("raft-node --join")
          .hasMessageContaining("n2");
      assertThat(ids(admin)).containsExactly("n1");
    }
  }

  @Test
  void joiningWithADataDirectoryThatHoldsAGroupIsRefused() throws Exception {
    Path data = peers.dataDir(0);
    assertThat(Files.list(data).findAny()).isPresent();
    assertThatThrownBy(
            () ->
                new RaftNode(
                    new RaftNode.Options(
                        "n1",
                        Map.of("n1", peers.peerAddress(0)),
                        data,
                        RaftNode.DEFAULT_GROUP,
                        true)))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("--join is for a new peer with an empty data directory")
        .hasMessageContaining(data.toString())
        .hasMessageContaining("start this peer without --join");
  }

  private static void write(HaSession session, Candidacy leader, String name) throws Exception {
    assertThat(
            session
                .state(Optional.of(leader))
                .store(Variable.absent(name), name.getBytes(StandardCharsets.UTF_8))
                .get(30, TimeUnit.SECONDS))
        .as("a fenced write by the leading master: " + name)
        .isPresent();
  }

  private static List<String> ids(RaftAdmin admin) throws IOException {
    return admin.peers().stream().map(RaftAdmin.Peer::id).toList();
  }

  private static String raftLeaderId(RaftAdmin admin) {
    return Awaitility.await("a Raft leader")
        .atMost(20, TimeUnit.SECONDS)
        .pollInterval(50, TimeUnit.MILLISECONDS)
        .until(admin::leaderId, Optional::isPresent)
        .orElseThrow();
  }

  private int index(String id) {
    for (int i = 0; i < peers.size(); i++) {
      if (peers.id(i).equals(id)) {
        return i;
      }
    }
    throw new IllegalArgumentException(id);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static MasterInfo master(int port) {
    return TestMasters.master("change", port);
  }
}
