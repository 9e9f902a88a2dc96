package org.masterha.demo.master;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.util.function.BooleanSupplier;
import org.masterha.proto.v1.AgentRegistryGrpc;

/**
 * The gRPC health service, with the leader's answers checked at the moment of each call. The
 * statuses the state thread sets (SERVING while leading) can lag after a pause longer than the
 * session timeout: the process runs again before its state thread has handled the loss. A {@code
 * Check} of the overall status or of the agent registry therefore answers NOT_SERVING as soon as
 * {@code leading} says this master no longer leads; everything else ({@code Watch}, other services)
 * is the status manager's.
 */
final class LeaderAwareHealth extends HealthGrpc.HealthImplBase {
  private final HealthGrpc.AsyncService statuses;
  private final BooleanSupplier leading;

  LeaderAwareHealth(HealthStatusManager manager, BooleanSupplier leading) {
    BindableService service = manager.getHealthService();
    if (!(service instanceof HealthGrpc.AsyncService async)) {
      throw new IllegalStateException(
          "grpc-services' health service is not a HealthGrpc.AsyncService: " + service.getClass());
    }
    this.statuses = async;
    this.leading = leading;
  }

  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
    String service = request.getService();
    boolean leaderOnly = service.isEmpty() || service.equals(AgentRegistryGrpc.SERVICE_NAME);
    if (leaderOnly && !leading.getAsBoolean()) {
      response.onNext(
          HealthCheckResponse.newBuilder().setStatus(ServingStatus.NOT_SERVING).build());
      response.onCompleted();
      return;
    }
    statuses.check(request, response);
  }

  @Override
  public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
    statuses.watch(request, response);
  }
}
