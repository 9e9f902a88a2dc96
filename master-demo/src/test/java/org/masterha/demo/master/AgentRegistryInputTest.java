package org.masterha.demo.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaBackends;
import org.masterha.proto.v1.AgentInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.HeartbeatRequest;
import org.masterha.proto.v1.RegisterAgentRequest;
import org.masterha.proto.v1.RegisterAgentResponse;

/**
 * Hostile and odd input at a leading master's agent registry, over real gRPC: ids that would forge
 * or cut log lines are refused with INVALID_ARGUMENT naming the rule, and an agent that has seen a
 * newer leader than this one is told this master is stale instead of being accepted.
 */
class AgentRegistryInputTest {
  private DemoMaster master;
  private ManagedChannel channel;
  private AgentRegistryGrpc.AgentRegistryBlockingStub registry;

  @BeforeEach
  void startLeadingMaster() throws Exception {
    HaBackends backends = HaBackends.load();
    MasterOptions o =
        MasterOptions.parse(
            MasterOptions.FLAGS.parse(
                "--ha-backend=standalone",
                "--ha-url=standalone:///registry-input",
                "--port=0",
                "--name=m1",
                "--session-timeout=2s"),
            backends);
    master = new DemoMaster(o, backends, code -> {});
    master.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> master.view().leading());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", master.port()).usePlaintext().build();
    registry = AgentRegistryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (master != null) {
      master.close();
    }
  }

  private RegisterAgentResponse register(String id, long knownEpoch) {
    return registry.register(
        RegisterAgentRequest.newBuilder()
            .setAgent(AgentInfo.newBuilder().setId(id).setHostname("localhost").setPort(5051))
            .setKnownEpoch(knownEpoch)
            .build());
  }

  private static void assertInvalid(Runnable call, String... messageParts) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains(messageParts)
                  .contains("accepted: 1 to 128 visible ASCII characters")
                  .doesNotContain("\u0000")
                  .doesNotContain("\n");
            });
  }

  @Test
  void idsWithControlCharactersOrBeyondTheLengthAreRefusedNamingTheRule() {
    assertInvalid(() -> register("a\u0000b", 0), "'a\\u0000b'", "U+0000 at position 1");
    assertInvalid(() -> register("agent\nEVENT elected epoch=99", 0), "U+000A at position 5");
    assertInvalid(() -> register("with space", 0), "U+0020");
    assertInvalid(() -> register("x".repeat(129), 0), "129 characters is too long");
    assertInvalid(() -> register("", 0), "agent id is required");
    assertInvalid(
        () ->
            registry.heartbeat(
                HeartbeatRequest.newBuilder().setAgentId("a\u0000b").setKnownEpoch(0).build()),
        "U+0000");
    assertThat(master.view().leading()).as("the master still leads").isTrue();

    RegisterAgentResponse ok = register("agent-1.S0:x@y", master.view().epoch());
    assertThat(ok.hasRegistered()).as("a printable id is accepted: %s", ok).isTrue();
    assertThat(register("y".repeat(128), master.view().epoch()).hasRegistered())
        .as("an id of exactly 128 characters")
        .isTrue();
  }

  @Test
  void anAgentThatHasSeenANewerLeaderIsToldThisMasterIsStale() {
    long epoch = master.view().epoch();
    RegisterAgentResponse stale = register("agent-2", epoch + 1);
    assertThat(stale.hasNotLeader()).as("answer to an agent that saw epoch %d", epoch + 1).isTrue();
    assertThat(stale.getNotLeader().getMessage()).contains("this master is stale");
    var beat =
        registry.heartbeat(
            HeartbeatRequest.newBuilder().setAgentId("agent-2").setKnownEpoch(epoch + 1).build());
    assertThat(beat.hasNotLeader()).as("heartbeat from an agent that saw a newer epoch").isTrue();
    assertThat(register("agent-2", epoch).hasRegistered())
        .as("the same agent at this epoch")
        .isTrue();
  }
}
