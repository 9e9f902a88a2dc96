package org.masterha.stores;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZooKeeperEnsembleTest {
  @TempDir Path logs;

  @Test
  void aThreeServerEnsembleInItsOwnProcessesServesAgainAfterItsLeaderIsKilledAndRestarted()
      throws Exception {
    try (ZooKeeperEnsemble zk = new ZooKeeperEnsemble(3, Map.of(), logs)) {
      zk.start();
      int leader = zk.leader().orElseThrow();
      assertThat(zk.pid(leader)).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(zk.mntr(leader)).containsKey("zk_packets_received");

      zk.kill(leader);
      assertThat(zk.mode(leader)).isEqualTo("down");
      zk.awaitServing();
      assertThat(zk.leader()).isPresent().get().isNotEqualTo(leader);

      zk.start(leader);
      assertThat(zk.mode(leader)).isIn("follower", "leader");
    }
  }

  @Test
  void aPausedServerDoesNotAnswerUntilItIsResumed() throws Exception {
    try (ZooKeeperEnsemble zk = new ZooKeeperEnsemble(1, Map.of(), logs)) {
      zk.start();
      assertThat(zk.mode(0)).isEqualTo("standalone");
      zk.pause(0);
      try {
        assertThat(zk.mode(0)).isEqualTo("down");
      } finally {
        zk.resume(0);
      }
      assertThat(zk.mode(0)).isEqualTo("standalone");
    }
  }

  @Test
  void theConsulFakeRunsInItsOwnProcess() throws Exception {
    try (FakeConsulProcess consul = FakeConsulProcess.start(List.of(), logs)) {
      HttpResponse<String> leader =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(consul.httpUrl() + "/v1/status/leader"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(leader.statusCode()).isEqualTo(200);
      assertThat(consul.process().pid()).isNotEqualTo(ProcessHandle.current().pid());
    }
  }
}
