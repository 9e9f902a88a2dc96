package org.masterha.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.state.Variable;
import org.masterha.raft.server.RaftNode;

/**
 * {@code masterha raft-admin} against 3 peers in the test JVM (and a fourth started to join): what
 * it prints, its exit codes, and that its actions change the group.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RaftAdminMainTest {
  @TempDir Path data;

  private final Set<Integer> taken = new HashSet<>();
  private final Map<String, String> addresses = new LinkedHashMap<>();
  private final List<RaftNode> nodes = new ArrayList<>();

  /** What one run printed and returned. */
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        RaftAdminMain.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private void startThreePeers() throws IOException {
    for (int i = 1; i <= 3; i++) {
      addresses.put("n" + i, "127.0.0.1:" + freePort());
    }
    for (String id : addresses.keySet()) {
      nodes.add(
          new RaftNode(
                  new RaftNode.Options(id, addresses, data.resolve(id), RaftNode.DEFAULT_GROUP))
              .start());
    }
  }

  @AfterEach
  void stopPeers() throws IOException {
    for (RaftNode n : nodes) {
      n.close();
    }
  }

  private String url(String base) {
    return "--url=raft://" + String.join(",", addresses.values()) + base;
  }

  @Test
  void printsThePeersAndTheLeaderAddsAndRemovesAJoiningPeerAndWipes() throws Exception {
    startThreePeers();
    String url = url("/cli");
    Run serving = run(url, "wait-serving", "--timeout=60s");
    assertThat(serving.code()).as(serving.err()).isZero();
    assertThat(serving.out()).contains("serving");

    // The leader line names the peer that leads, and the peers listing marks that one.
    String leaderLine =
        Awaitility.await("a leader every peer agrees on")
            .atMost(20, TimeUnit.SECONDS)
            .until(
                () -> {
                  Run r = run(url, "leader");
                  String id = r.out().strip().split("=")[0];
                  boolean leads =
                      r.code() == 0
                          && nodes.stream().anyMatch(n -> n.id().equals(id) && n.isLeader());
                  return leads ? r.out().strip() : null;
                },
                l -> l != null);
    String leaderId = leaderLine.split("=")[0];
    assertThat(leaderLine).isEqualTo(leaderId + "=" + addresses.get(leaderId));
    Run peers = run(url, "peers");
    assertThat(peers.code()).as(peers.err()).isZero();
    List<String> expected = new ArrayList<>();
    addresses.forEach(
        (id, a) -> expected.add(id + "=" + a + (id.equals(leaderId) ? " (leader)" : "")));
    assertThat(peers.out().lines()).containsExactlyInAnyOrderElementsOf(expected);

    // A fourth peer, started to join, is added, then removed again.
    String joiningAddress = "127.0.0.1:" + freePort();
    RaftNode joining =
        new RaftNode(
                new RaftNode.Options(
                    "n4",
                    Map.of("n4", joiningAddress),
                    data.resolve("n4"),
                    RaftNode.DEFAULT_GROUP,
                    true))
            .start();
    nodes.add(joining);
    Run add = run(url, "add", "n4=" + joiningAddress, "--timeout=60s");
    assertThat(add.code()).as(add.err()).isZero();
    assertThat(add.out()).contains("added n4=" + joiningAddress);
    assertThat(run(url, "peers").out().lines()).hasSize(4).anyMatch(l -> l.startsWith("n4="));
    Run addAgain = run(url, "add", "n4=" + joiningAddress);
    assertThat(addAgain.code()).isEqualTo(1);
    assertThat(addAgain.err()).contains("raft peer 'n4' is already in the group");

    Run remove = run(url, "remove", "n4");
    assertThat(remove.code()).as(remove.err()).isZero();
    assertThat(remove.out()).contains("removed n4");
    assertThat(run(url, "peers").out().lines()).hasSize(3).noneMatch(l -> l.startsWith("n4="));
    Run removeUnknown = run(url, "remove", "n9");
    assertThat(removeUnknown.code()).isEqualTo(1);
    assertThat(removeUnknown.err()).contains("raft peer 'n9' is not in the group");
    String nobody = "127.0.0.1:" + freePort();
    Run addNobody = run(url, "add", "n9=" + nobody);
    assertThat(addNobody.code()).isEqualTo(1);
    assertThat(addNobody.err()).contains("answers at " + nobody).contains("raft-node --join");

    // wipe refuses without --yes and leaves the state; with it, deletes it.
    HaConfig config = HaConfig.builder().url(url.substring("--url=".length())).build();
    try (HaSession session = HaBackends.load().open(config)) {
      byte[] v = "v".getBytes(StandardCharsets.UTF_8);
      session.state().store(Variable.absent("x"), v).get(30, TimeUnit.SECONDS);
      Run refused = run(url, "wipe");
      assertThat(refused.code()).isEqualTo(2);
      assertThat(refused.err()).contains("wipe deletes every member").contains("give --yes");
      assertThat(session.state().fetch("x").get(30, TimeUnit.SECONDS).exists()).isTrue();
      Run wipe = run(url, "wipe", "--yes");
      assertThat(wipe.code()).as(wipe.err()).isZero();
      assertThat(wipe.out()).contains("wiped /cli");
      assertThat(session.state().fetch("x").get(30, TimeUnit.SECONDS).exists()).isFalse();
    }
  }

  @Test
  void waitServingFailsWithoutAMajority() throws Exception {
    startThreePeers();
    String url = url("/cli");
    assertThat(run(url, "wait-serving").code()).isZero();
    nodes.get(1).close();
    nodes.get(2).close();
    nodes.subList(1, 3).clear();
    Run r = run(url, "wait-serving", "--timeout=2s");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("masterha raft-admin: ");
    assertThat(r.out()).doesNotContain("serving");
  }

  @Test
  void badActionsAndFlagsAreRefusedNamingWhatIsAccepted() throws Exception {
    String url = "--url=raft://127.0.0.1:" + freePort() + "/cli";
    Map<List<String>, String> refusals = new LinkedHashMap<>();
    refusals.put(List.of(url), "no action given; accepted: peers, leader, wait-serving, add");
    refusals.put(List.of(url, "frobnicate"), "unknown action 'frobnicate'; accepted: peers");
    refusals.put(List.of(url, "--bogus", "peers"), "unknown flag --bogus; accepted: --url");
    refusals.put(List.of("peers"), "flag --url is required");
    refusals.put(List.of("--url=raft:///cli", "peers"), "raft://");
    refusals.put(List.of(url, "wipe"), "give --yes to confirm");
    refusals.put(List.of(url, "--yes", "peers"), "flag --yes only confirms wipe");
    refusals.put(List.of(url, "add", "n4"), "add needs the new peer as ID=HOST:PORT");
    refusals.put(List.of(url, "add"), "add takes one argument, ID=HOST:PORT; got none");
    refusals.put(List.of(url, "add", "n4=nowhere"), "is not host:port");
    refusals.put(List.of(url, "remove", "n 4"), "expected letters, digits");
    refusals.put(List.of(url, "peers", "extra"), "peers takes no argument");
    refusals.put(List.of(url, "--timeout=5s", "peers"), "peers does not wait");
    refusals.put(List.of(url, "--timeout=soon", "wait-serving"), "is not a duration");
    refusals.put(List.of(url, "--timeout=0s", "wait-serving"), "is out of range");
    refusals.put(List.of(url, "--timeout"), "flag --timeout needs a value");
    refusals.put(List.of(url, "--yes=no", "wipe"), "flag --yes takes no value");
    for (Map.Entry<List<String>, String> e : refusals.entrySet()) {
      Run r = run(e.getKey().toArray(String[]::new));
      assertThat(r.code()).as("exit code of %s", e.getKey()).isEqualTo(2);
      assertThat(r.err())
          .as("error of %s", e.getKey())
          .startsWith("masterha raft-admin: ")
          .contains(e.getValue())
          .contains("Usage: masterha raft-admin");
    }
    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: masterha raft-admin").contains("Exit codes:");
    // Nothing listens there: an operation, not a usage, failure.
    Run nobody = run(url, "peers");
    assertThat(nobody.code()).isEqualTo(1);
    assertThat(nobody.err()).contains("no raft peer answers at");
  }

  private int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }
}
