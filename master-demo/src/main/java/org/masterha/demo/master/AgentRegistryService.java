package org.masterha.demo.master;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.masterha.demo.common.AgentIds;
import org.masterha.demo.common.Events;
import org.masterha.ha.Durations;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;
import org.masterha.proto.v1.AgentInfo;
import org.masterha.proto.v1.AgentRegistryGrpc;
import org.masterha.proto.v1.HeartbeatAccepted;
import org.masterha.proto.v1.HeartbeatRequest;
import org.masterha.proto.v1.HeartbeatResponse;
import org.masterha.proto.v1.NotLeader;
import org.masterha.proto.v1.RegisterAgentRequest;
import org.masterha.proto.v1.RegisterAgentResponse;
import org.masterha.proto.v1.Registered;
import org.masterha.proto.v1.RegistryState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent registration and heartbeats, served by the leader only. A master that is not leading
 * answers with the leader it sees; a leader refuses an agent that has already seen a higher epoch
 * than its own, because then this master is the stale one.
 *
 * <p>The registry is kept in the replicated state as the variable {@value #VARIABLE} (a {@link
 * RegistryState}), written through a state fenced by this master's candidacy: a newly elected
 * master recovers it, gives its agents the re-registration window to come back, and marks those
 * that do not as gone.
 */
final class AgentRegistryService extends AgentRegistryGrpc.AgentRegistryImplBase {
  private static final Logger log = LoggerFactory.getLogger(AgentRegistryService.class);

  /** The state variable holding the registry ({@link RegistryState}). */
  static final String VARIABLE = "registry";

  static final int FORMAT_VERSION = 1;
  private static final long STORE_TIMEOUT_SECONDS = 30;

  private final DemoMaster master;
  private final Map<String, AgentInfo> agents = new ConcurrentHashMap<>();
  private volatile Events events;

  // Guarded by this: the registry of the current leadership, null while not leading.
  private State state;
  private long leadingEpoch = -1;

  /** Agents of the recovered registry that have not re-registered yet. */
  private final Set<String> pending = new HashSet<>();

  /** Every agent the recovered registry held, for the {@code reregistered} answer. */
  private final Set<String> recovered = new HashSet<>();

  private ScheduledFuture<?> window;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "registry-window");
            t.setDaemon(true);
            return t;
          });

  AgentRegistryService(DemoMaster master) {
    this.master = master;
  }

  void events(Events events) {
    this.events = events;
  }

  /** Forgets every agent and stops writing: a master that steps down must not vouch for them. */
  synchronized void clear() {
    agents.clear();
    state = null;
    leadingEpoch = -1;
    pending.clear();
    recovered.clear();
    if (window != null) {
      window.cancel(false);
      window = null;
    }
  }

  /**
   * Called on election, before this master serves agents, in two steps so the state thread never
   * waits on the store: {@link #fetch} reads the registry through {@code fenced} (a state whose
   * writes are fenced by the elected candidacy), logs it, and starts the re-registration window
   * after which the agents that did not come back are marked gone. Throws if the store cannot be
   * read.
   */
  CompletableFuture<Variable> fetch(State fenced) {
    return fenced.fetch(VARIABLE).orTimeout(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * The second half of the recovery, once {@link #fetch} has answered: adopts the registry {@code
   * v} as the one this leadership of {@code epoch} writes through {@code fenced}. Throws if {@code
   * v} cannot be decoded.
   */
  synchronized RegistryState recover(
      State fenced, long epoch, Variable v, Duration reregistrationTimeout) throws Exception {
    clear();
    RegistryState r = decode(v);
    state = fenced;
    leadingEpoch = epoch;
    r.getAgentsList()
        .forEach(
            a -> {
              pending.add(a.getId());
              recovered.add(a.getId());
            });
    String ids = r.getAgentsList().stream().map(AgentInfo::getId).collect(Collectors.joining(","));
    events.emit(
        "recovered-registry",
        "agents",
        r.getAgentsCount(),
        "ids",
        ids.isEmpty() ? "none" : ids,
        "gone",
        r.getGoneCount(),
        "version",
        v.version(),
        "epoch",
        epoch,
        "window",
        Durations.format(reregistrationTimeout));
    log.info(
        "Recovered the registry (version {}): {} agent(s) [{}], {} gone; they have {} to re-register",
        v.version(),
        r.getAgentsCount(),
        ids,
        r.getGoneCount(),
        Durations.format(reregistrationTimeout));
    if (!pending.isEmpty()) {
      window =
          timer.schedule(
              () -> windowClosed(epoch, reregistrationTimeout),
              reregistrationTimeout.toMillis(),
              TimeUnit.MILLISECONDS);
    }
    return r;
  }

  private synchronized void windowClosed(long epoch, Duration timeout) {
    if (state == null || leadingEpoch != epoch) {
      return;
    }
    window = null;
    for (String id : List.copyOf(pending)) {
      String reason = "did not re-register within " + Durations.format(timeout);
      if (!update(r -> markGone(r, id))) {
        return;
      }
      pending.remove(id);
      events.emit("agent-gone", "agent", id, "epoch", epoch, "reason", reason);
      log.warn(
          "Agent {} is marked gone in the registry: it {} after this master was elected (epoch {})",
          id,
          reason,
          epoch);
    }
  }

  /**
   * Applies {@code change} to the stored registry: fetch, change, fenced compare-and-swap, again on
   * a conflict or an unknown outcome (the change is idempotent, so re-applying it to a fresh fetch
   * is right either way). False when this master must stop acting as leader (deposed, or the store
   * failed); the master is told.
   */
  private boolean update(UnaryOperator<RegistryState> change) {
    State s = state;
    for (int attempt = 1; s != null; attempt++) {
      try {
        Variable v = s.fetch(VARIABLE).get(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        RegistryState before = decode(v);
        RegistryState after =
            change.apply(before).toBuilder().setFormatVersion(FORMAT_VERSION).build();
        if (v.exists() && after.equals(before)) {
          return true;
        }
        if (!master.view().leading()) {
          // Past the session's deadline (e.g. just resumed from a long pause): write nothing as
          // leader. The store
          // would refuse it anyway; the state thread handles the loss.
          return false;
        }
        if (s.store(v, after.toByteArray())
            .get(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .isPresent()) {
          return true;
        }
        log.info(
            "Registry changed since version {} (attempt {}); fetching it again",
            v.version(),
            attempt);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof OutcomeUnknownException) {
          log.warn(
              "A registry write may or may not have been applied ({}); fetching it again",
              cause.getMessage());
          continue;
        }
        if (cause instanceof LeadershipLostException) {
          master.registryDeposed(leadingEpoch, cause.getMessage());
        } else {
          master.registryFailed("could not update the registry: " + cause);
        }
        clear();
        return false;
      } catch (InvalidProtocolBufferException e) {
        master.registryFailed("the stored registry cannot be read: " + e.getMessage());
        clear();
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (TimeoutException e) {
        master.registryFailed(
            "the registry store did not answer within " + STORE_TIMEOUT_SECONDS + "s");
        clear();
        return false;
      }
    }
    return false;
  }

  private static RegistryState decode(Variable v) throws InvalidProtocolBufferException {
    return v.exists() ? RegistryState.parseFrom(v.value()) : RegistryState.getDefaultInstance();
  }

  private static RegistryState add(RegistryState r, AgentInfo agent) {
    RegistryState.Builder b = RegistryState.newBuilder(r).clearAgents().clearGone();
    r.getAgentsList().stream().filter(a -> !a.getId().equals(agent.getId())).forEach(b::addAgents);
    b.addAgents(agent);
    r.getGoneList().stream().filter(id -> !id.equals(agent.getId())).forEach(b::addGone);
    return b.build();
  }

  private static RegistryState markGone(RegistryState r, String id) {
    RegistryState.Builder b = RegistryState.newBuilder(r).clearAgents().clearGone();
    r.getAgentsList().stream().filter(a -> !a.getId().equals(id)).forEach(b::addAgents);
    r.getGoneList().stream().filter(g -> !g.equals(id)).forEach(b::addGone);
    b.addGone(id);
    return b.build();
  }

  int size() {
    return agents.size();
  }

  @Override
  public void register(
      RegisterAgentRequest request, StreamObserver<RegisterAgentResponse> response) {
    DemoMaster.View v = master.view();
    RegisterAgentResponse answer;
    String agentId = request.getAgent().getId();
    Optional<String> badId = AgentIds.problem(agentId);
    if (badId.isPresent()) {
      response.onError(
          io.grpc.Status.INVALID_ARGUMENT.withDescription(badId.get()).asRuntimeException());
      return;
    }
    NotLeader refusal = refusal(v, request.getKnownEpoch(), agentId);
    if (refusal != null) {
      answer = RegisterAgentResponse.newBuilder().setNotLeader(refusal).build();
    } else {
      Boolean again = admit(request.getAgent(), v.epoch());
      if (again == null) {
        response.onError(
            io.grpc.Status.UNAVAILABLE
                .withDescription("this master stopped leading while admitting the agent")
                .asRuntimeException());
        return;
      }
      answer =
          RegisterAgentResponse.newBuilder()
              .setRegistered(
                  Registered.newBuilder()
                      .setMaster(v.leader().orElseThrow())
                      .setReregistered(again))
              .build();
    }
    response.onNext(answer);
    response.onCompleted();
  }

  /**
   * Stores the agent in the registry, then admits it. Whether it was known (in the recovered
   * registry or already registered with this leader); null when this master is no longer leading
   * {@code epoch}.
   */
  private synchronized Boolean admit(AgentInfo agent, long epoch) {
    if (state == null || leadingEpoch != epoch || !master.view().leading()) {
      return null;
    }
    String id = agent.getId();
    boolean again = agents.containsKey(id) || recovered.contains(id);
    if (!agent.equals(agents.get(id)) && !update(r -> add(r, agent))) {
      return null;
    }
    agents.put(id, agent);
    boolean withinWindow = pending.remove(id);
    events.emit(
        "agent-registered",
        "agent",
        id,
        "epoch",
        epoch,
        "reregistered",
        again,
        "within_window",
        withinWindow);
    return again;
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
    Optional<String> badId = AgentIds.problem(request.getAgentId());
    if (badId.isPresent()) {
      response.onError(
          io.grpc.Status.INVALID_ARGUMENT.withDescription(badId.get()).asRuntimeException());
      return;
    }
    DemoMaster.View v = master.view();
    HeartbeatResponse answer;
    NotLeader refusal = refusal(v, request.getKnownEpoch(), request.getAgentId());
    if (refusal != null) {
      answer = HeartbeatResponse.newBuilder().setNotLeader(refusal).build();
    } else if (!agents.containsKey(request.getAgentId())) {
      answer =
          HeartbeatResponse.newBuilder()
              .setUnknownAgent(
                  "agent "
                      + request.getAgentId()
                      + " is not registered with the leader of epoch "
                      + v.epoch()
                      + "; register again")
              .build();
    } else {
      answer =
          HeartbeatResponse.newBuilder()
              .setAccepted(HeartbeatAccepted.newBuilder().setEpoch(v.epoch()))
              .build();
    }
    response.onNext(answer);
    response.onCompleted();
  }

  private NotLeader refusal(DemoMaster.View v, long knownEpoch, String agentId) {
    if (!v.leading()) {
      NotLeader.Builder b = NotLeader.newBuilder();
      v.detectedLeader()
          .ifPresentOrElse(
              b::setLeader, () -> b.setMessage("this master is not the leader and sees no leader"));
      if (v.detectedLeader().isPresent()) {
        b.setMessage(
            "this master is not the leader; the leader is "
                + v.detectedLeader().get().getInfo().getPid()
                + " (epoch "
                + v.detectedLeader().get().getEpoch()
                + ")");
      }
      return b.build();
    }
    if (knownEpoch > v.epoch()) {
      log.warn(
          "Refusing agent {}: it has seen leader epoch {}, above this master's epoch {}; this master is stale",
          agentId,
          knownEpoch,
          v.epoch());
      return NotLeader.newBuilder()
          .setMessage(
              "refused: this master leads epoch "
                  + v.epoch()
                  + " but the agent has seen epoch "
                  + knownEpoch
                  + "; this master is stale")
          .build();
    }
    return null;
  }
}
