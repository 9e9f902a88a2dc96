package org.masterha.demo.master;

import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.masterha.demo.common.Events;
import org.masterha.proto.v1.AgentInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.HeartbeatAccepted;
import org.masterha.proto.v1.HeartbeatRequest;
import org.masterha.proto.v1.HeartbeatResponse;
import org.masterha.proto.v1.NotLeader;
import org.masterha.proto.v1.RegisterAgentRequest;
import org.masterha.proto.v1.RegisterAgentResponse;
import org.masterha.proto.v1.Registered;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent registration and heartbeats, served by the leader only. A master that is not leading answers with the
 * leader it sees; a leader refuses an agent that has already seen a higher epoch than its own, because then this
 * master is the stale one.
 */
final class AgentRegistryService extends AgentRegistryGrpc.AgentRegistryImplBase {
  private static final Logger log = LoggerFactory.getLogger(AgentRegistryService.class);

  private final DemoMaster master;
  private final Map<String, AgentInfo> agents = new ConcurrentHashMap<>();
  private volatile Events events;

  AgentRegistryService(DemoMaster master) {
    this.master = master;
  }

  void events(Events events) {
    this.events = events;
  }

  /** Forgets every agent: a master that steps down must not vouch for them. */
  void clear() {
    agents.clear();
  }

  int size() {
    return agents.size();
  }

  @Override
  public void register(RegisterAgentRequest request, StreamObserver<RegisterAgentResponse> response) {
    DemoMaster.View v = master.view();
    RegisterAgentResponse answer;
    String agentId = request.getAgent().getId();
    if (agentId.isEmpty()) {
      response.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("agent.id is required").asRuntimeException());
      return;
    }
    NotLeader refusal = refusal(v, request.getKnownEpoch(), agentId);
    if (refusal != null) {
      answer = RegisterAgentResponse.newBuilder().setNotLeader(refusal).build();
    } else {
      boolean again = agents.put(agentId, request.getAgent()) != null;
      events.emit("agent-registered", "agent", agentId, "epoch", v.epoch(), "reregistered", again);
      answer = RegisterAgentResponse.newBuilder()
          .setRegistered(Registered.newBuilder().setMaster(v.leader().orElseThrow()).setReregistered(again))
          .build();
    }
    response.onNext(answer);
    response.onCompleted();
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
    DemoMaster.View v = master.view();
    HeartbeatResponse answer;
    NotLeader refusal = refusal(v, request.getKnownEpoch(), request.getAgentId());
    if (refusal != null) {
      answer = HeartbeatResponse.newBuilder().setNotLeader(refusal).build();
    } else if (!agents.containsKey(request.getAgentId())) {
      answer = HeartbeatResponse.newBuilder()
          .setUnknownAgent("agent " + request.getAgentId() + " is not registered with the leader of epoch " + v.epoch() + "; register again")
          .build();
    } else {
      answer = HeartbeatResponse.newBuilder().setAccepted(HeartbeatAccepted.newBuilder().setEpoch(v.epoch())).build();
    }
    response.onNext(answer);
    response.onCompleted();
  }

  private NotLeader refusal(DemoMaster.View v, long knownEpoch, String agentId) {
    if (!v.leading()) {
      NotLeader.Builder b = NotLeader.newBuilder();
      v.detectedLeader().ifPresentOrElse(b::setLeader, () -> b.setMessage("this master is not the leader and sees no leader"));
      if (v.detectedLeader().isPresent()) {
        b.setMessage("this master is not the leader; the leader is " + v.detectedLeader().get().getInfo().getPid()
            + " (epoch " + v.detectedLeader().get().getEpoch() + ")");
      }
      return b.build();
    }
    if (knownEpoch > v.epoch()) {
      log.warn("Refusing agent {}: it has seen leader epoch {}, above this master's epoch {}; this master is stale",
          agentId, knownEpoch, v.epoch());
      return NotLeader.newBuilder()
          .setMessage("refused: this master leads epoch " + v.epoch() + " but the agent has seen epoch " + knownEpoch
              + "; this master is stale")
          .build();
    }
    return null;
  }
}
