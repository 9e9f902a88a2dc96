package org.masterha.demo.e2e;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.masterha.demo.launcher.Cluster;
import org.masterha.proto.v1.GetInfoRequest;
import org.masterha.proto.v1.GetInfoResponse;
import org.masterha.proto.v1.MasterServiceGrpc;

/**
 * Asks every running master {@code GetInfo} every {@value #INTERVAL_MS} ms, all at once, and waits
 * for every answer before the next cycle (each call has a deadline); every {@value #HEALTH_EVERY}th
 * cycle also asks the health service. A cycle in which two masters answered {@code leading=true},
 * or two answered SERVING, is recorded as a double. Masters the test paused are left out until
 * resumed, so a frozen process never slows the cycles.
 */
final class LeadershipPoller implements AutoCloseable {
  static final long INTERVAL_MS = 20;
  static final int HEALTH_EVERY = 5;
  private static final long CALL_DEADLINE_MS = 500;
  private static final int HISTORY = 200;

  /**
   * One master's answer in one cycle: {@code leaderEpoch} is -1 when it sees no leader; health may
   * be unasked.
   */
  record Answer(
      String master,
      boolean leading,
      long leaderEpoch,
      String leaderPid,
      Optional<ServingStatus> health,
      long receivedAt) {
    @Override
    public String toString() {
      return master
          + (leading ? " LEADING" : " following")
          + " epoch="
          + leaderEpoch
          + health.map(h -> " health=" + h).orElse("")
          + " @"
          + receivedAt;
    }
  }

  /** One poll cycle: the answers, and why the masters that did not answer did not. */
  record Cycle(
      long number, long startedAt, Map<String, Answer> answers, Map<String, String> failures) {
    List<Answer> leading() {
      return answers.values().stream().filter(Answer::leading).toList();
    }

    List<Answer> serving() {
      return answers.values().stream()
          .filter(a -> a.health().equals(Optional.of(ServingStatus.SERVING)))
          .toList();
    }

    boolean isDouble() {
      return leading().size() > 1 || serving().size() > 1;
    }

    @Override
    public String toString() {
      return "poll cycle "
          + number
          + " started "
          + startedAt
          + ": "
          + answers.values()
          + (failures.isEmpty() ? "" : " no answer: " + failures);
    }
  }

  private final Cluster cluster;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "leadership-poller");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  private final Deque<Cycle> history = new ArrayDeque<>();
  private final List<Cycle> doubles = new ArrayList<>();
  private long cycles;
  private Cycle latest;

  LeadershipPoller(Cluster cluster) {
    this.cluster = cluster;
  }

  LeadershipPoller start() {
    timer.scheduleWithFixedDelay(this::pollSafely, 0, INTERVAL_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Leaves {@code master} out of the cycles from the next one on (it is about to be frozen). */
  void paused(String master) {
    paused.add(master);
  }

  void resumed(String master) {
    paused.remove(master);
  }

  /** The channel to a master's current endpoint (a restarted master has a new one). */
  ManagedChannel channel(String master) {
    return channels.computeIfAbsent(
        cluster.endpoint(master), e -> NettyChannelBuilder.forTarget(e).usePlaintext().build());
  }

  private void pollSafely() {
    try {
      poll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // A cycle that failed on our side (e.g. a channel being shut down at the end) is simply not
      // recorded.
    }
  }

  private void poll() throws InterruptedException {
    long number;
    synchronized (this) {
      number = cycles++;
    }
    boolean withHealth = number % HEALTH_EVERY == 0;
    long startedAt = System.currentTimeMillis();
    Map<String, ListenableFuture<GetInfoResponse>> infos = new LinkedHashMap<>();
    Map<String, ListenableFuture<HealthCheckResponse>> healths = new LinkedHashMap<>();
    for (String m : cluster.masters()) {
      if (paused.contains(m) || cluster.process(m) == null || !cluster.process(m).isAlive()) {
        continue;
      }
      ManagedChannel ch = channel(m);
      infos.put(
          m,
          MasterServiceGrpc.newFutureStub(ch)
              .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
              .getInfo(GetInfoRequest.getDefaultInstance()));
      if (withHealth) {
        healths.put(
            m,
            HealthGrpc.newFutureStub(ch)
                .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build()));
      }
    }
    Map<String, Answer> answers = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    for (Map.Entry<String, ListenableFuture<GetInfoResponse>> e : infos.entrySet()) {
      String m = e.getKey();
      try {
        GetInfoResponse info = e.getValue().get(CALL_DEADLINE_MS + 500, TimeUnit.MILLISECONDS);
        long receivedAt = System.currentTimeMillis();
        Optional<ServingStatus> health = Optional.empty();
        if (healths.containsKey(m)) {
          try {
            health =
                Optional.of(
                    healths.get(m).get(CALL_DEADLINE_MS + 500, TimeUnit.MILLISECONDS).getStatus());
          } catch (ExecutionException | TimeoutException x) {
            // Health unanswered: the GetInfo answer still counts.
          }
        }
        answers.put(
            m,
            new Answer(
                m,
                info.getLeading(),
                info.hasLeader() ? info.getLeader().getEpoch() : -1,
                info.hasLeader() ? info.getLeader().getInfo().getPid() : "",
                health,
                receivedAt));
      } catch (ExecutionException | TimeoutException x) {
        Throwable cause = x.getCause() != null ? x.getCause() : x;
        failures.put(m, cause.getMessage());
      }
    }
    Cycle cycle = new Cycle(number, startedAt, answers, failures);
    synchronized (this) {
      latest = cycle;
      history.addLast(cycle);
      while (history.size() > HISTORY) {
        history.removeFirst();
      }
      if (cycle.isDouble()) {
        doubles.add(cycle);
      }
      notifyAll();
    }
  }

  /** The last cycle completed; null before the first. */
  synchronized Cycle latest() {
    return latest;
  }

  /** Every cycle so far in which two masters answered leading=true (or SERVING). */
  synchronized List<Cycle> doubles() {
    return List.copyOf(doubles);
  }

  /** The last {@code n} cycles, oldest first, for failure messages. */
  synchronized String recent(int n) {
    List<Cycle> all = new ArrayList<>(history);
    return all.subList(Math.max(0, all.size() - n), all.size()).stream()
        .map(Cycle::toString)
        .collect(Collectors.joining("\n    ", "    ", ""));
  }

  /**
   * Waits for a cycle numbered above {@code after}; null if none completed within {@code
   * timeoutMs}.
   */
  synchronized Cycle next(long after, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (latest == null || latest.number() <= after) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return null;
      }
      wait(left);
    }
    return latest;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
