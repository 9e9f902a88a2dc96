package org.masterha.demo.e2e;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.masterha.proto.v1.AgentInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.GetInfoRequest;
import org.masterha.proto.v1.GetInfoResponse;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.masterha.proto.v1.RegisterAgentRequest;
import org.masterha.proto.v1.RegisterAgentResponse;

/** The test's own gRPC client of one master: health, info, registration. */
final class MasterClient implements AutoCloseable {
  private final ManagedChannel channel;

  MasterClient(String endpoint) {
    this.channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
  }

  /** The standard health service's answer for the whole server (""). */
  ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("").build())
        .getStatus();
  }

  GetInfoResponse info() {
    return MasterServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .getInfo(GetInfoRequest.getDefaultInstance());
  }

  RegisterAgentResponse register(String agentId, long knownEpoch) {
    return AgentRegistryGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .register(
            RegisterAgentRequest.newBuilder()
                .setAgent(AgentInfo.newBuilder().setId(agentId).setHostname("localhost").setPort(1))
                .setKnownEpoch(knownEpoch)
                .build());
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
