package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.consul.fake.ConsulTestSupport.get;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.agent.Agent;

/** /v1/status/*, /v1/agent/self, routing, and where the fake listens. */
class AgentStatusTest {

  private FakeConsul fake;
  private Consul consul;

  @BeforeEach
  void startFake() {
    fake = FakeConsul.builder().build().start();
    consul = ConsulTestSupport.client(fake);
  }

  @AfterEach
  void stopFake() {
    ConsulTestSupport.closeQuietly(consul);
    fake.close();
  }

  @Test
  void statusReportsASingleServerThatIsLeader() {
    // status.mdx: /status/leader is the Raft leader's address, /status/peers the Raft peers.
    assertThat(consul.statusClient().getLeader()).isEqualTo("127.0.0.1:8300");
    assertThat(consul.statusClient().getPeers()).containsExactly("127.0.0.1:8300");
    assertThat(get(fake, "/v1/status/leader").body()).isEqualTo("\"127.0.0.1:8300\"");
  }

  @Test
  void agentSelfShowsSessionTtlMinAsConsulsDebugConfigDoes() {
    // Consul's DebugConfig prints RuntimeConfig durations as Go strings and shows SessionTTLMin
    // "0s"
    // when session_ttl_min is not configured (the server then applies its 10s default).
    Agent agent = consul.agentClient().getAgent();
    assertThat(agent.getConfig().getDatacenter()).isEqualTo("dc1");
    assertThat(agent.getConfig().getNodeName()).isEqualTo("fake-consul");
    assertThat(agent.getConfig().getServer()).isTrue();
    assertThat(agent.getMember().getName()).isEqualTo("fake-consul");
    assertThat(agent.getDebugConfig()).containsEntry("SessionTTLMin", "0s");

    fake.setSessionTtlMin(Duration.ofMillis(1500));
    assertThat(consul.agentClient().getAgent().getDebugConfig())
        .containsEntry("SessionTTLMin", "1.5s");

    try (FakeConsul configured =
        FakeConsul.builder().sessionTtlMin(Duration.ofSeconds(1)).build().start()) {
      assertThat(get(configured, "/v1/agent/self").body()).contains("\"SessionTTLMin\":\"1s\"");
    }
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() {
    assertThat(get(fake, "/v1/catalog/services").status()).isEqualTo(404);
    ConsulTestSupport.Reply wrong = get(fake, "/v1/session/create");
    assertThat(wrong.status()).isEqualTo(405);
    assertThat(wrong.body()).isEqualTo("method GET not allowed");
    assertThat(wrong.header("Allow")).isEqualTo("OPTIONS,PUT");
  }

  @Test
  void anotherDatacenterIsUnreachable() {
    ConsulTestSupport.Reply reply = get(fake, "/v1/kv/k?dc=dc2");
    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.body()).isEqualTo("No path to datacenter");
  }

  @Test
  void itListensOnLoopbackOnAnEphemeralPort() {
    assertThat(fake.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(fake.port()).isPositive();
    assertThat(fake.httpUrl()).isEqualTo("http://127.0.0.1:" + fake.port());
    assertThat(fake.toString()).contains("FakeConsul");
  }

  @Test
  void theCommandLineOfMainIsParsed() {
    FakeConsul fromArgs =
        FakeConsul.fromArgs(
                new String[] {
                  "--port", "0", "--session-ttl-min", "2s", "--reap-multiplier", "1", "--node", "n1"
                })
            .build();
    try {
      assertThat(fromArgs.sessionTtlMin()).isEqualTo(Duration.ofSeconds(2));
    } finally {
      fromArgs.close();
    }
    assertThatThrownBy(() -> FakeConsul.fromArgs(new String[] {"--bogus", "1"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--bogus");
    assertThatThrownBy(() -> FakeConsul.fromArgs(new String[] {"--port"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing value");
  }
}
