package org.masterha.demo.agent;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.masterha.demo.common.GrpcTls;
import org.masterha.proto.v1.LeaderEvent;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.masterha.proto.v1.WatchLeaderRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the leader through masters' WatchLeader streams: one stream at a time, moving on to the
 * next master in the list when a stream breaks. A broken stream says nothing about the leader, so
 * it reports nothing; the next master's first event says who leads.
 */
final class StreamLeaderSource implements LeaderSource {
  private static final Logger log = LoggerFactory.getLogger(StreamLeaderSource.class);

  private final List<String> masters;
  private final Duration retry;
  private final Optional<GrpcTls.Client> tls;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "leader-stream");
            t.setDaemon(true);
            return t;
          });
  private ManagedChannel channel;
  private ClientCallStreamObserver<WatchLeaderRequest> call;
  private int next;
  private String current;

  /** Which connect() the live call belongs to; a stale call's end must not start another. */
  private volatile int generation;

  private volatile boolean closed;

  StreamLeaderSource(List<String> masters, Duration retry, Optional<GrpcTls.Client> tls) {
    this.masters = List.copyOf(masters);
    this.retry = retry;
    this.tls = tls;
  }

  @Override
  public void start(Consumer<Optional<Sighting>> onChange, Consumer<Throwable> onFatal) {
    scheduler.execute(() -> connect(onChange));
  }

  private void connect(Consumer<Optional<Sighting>> onChange) {
    if (closed) {
      return;
    }
    String target = masters.get(next++ % masters.size());
    current = target;
    int gen = ++generation;
    if (channel != null) {
      channel.shutdownNow();
    }
    channel = GrpcTls.channel(target, tls);
    log.info(
        "Watching the leader through {}'s stream ({})",
        target,
        tls.map(t -> "TLS").orElse("plaintext"));
    MasterServiceGrpc.newStub(channel)
        .watchLeader(
            WatchLeaderRequest.getDefaultInstance(),
            new ClientResponseObserver<WatchLeaderRequest, LeaderEvent>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchLeaderRequest> requestStream) {
                call = requestStream;
              }

              @Override
              public void onNext(LeaderEvent event) {
                if (!closed && gen == generation) {
                  onChange.accept(
                      event.hasLeader()
                          ? Optional.of(
                              new Sighting(
                                  event.getLeader().getInfo(),
                                  event.getLeader().getEpoch(),
                                  "stream@" + target))
                          : Optional.empty());
                }
              }

              @Override
              public void onError(Throwable t) {
                if (!closed && gen == generation) {
                  log.info(
                      "Leader stream from {} ended: {}; trying the next master",
                      target,
                      t.toString());
                  scheduler.schedule(
                      () -> connect(onChange), retry.toMillis(), TimeUnit.MILLISECONDS);
                }
              }

              @Override
              public void onCompleted() {
                onError(new IllegalStateException("the master closed the stream"));
              }
            });
  }

  @Override
  public void unreachable(String endpoint) {
    scheduler.execute(
        () -> {
          if (!closed && endpoint.equals(current) && call != null) {
            log.info(
                "The leader stream's master {} does not answer; switching to the next master",
                endpoint);
            // Cancelling fails the call with CANCELLED; onError then connects to the next master.
            call.cancel("master " + endpoint + " does not answer", null);
          }
        });
  }

  @Override
  public String describe() {
    return "WatchLeader streams of " + String.join(",", masters);
  }

  @Override
  public void close() {
    closed = true;
    scheduler.execute(
        () -> {
          if (call != null) {
            call.cancel("agent stopping", null);
          }
          if (channel != null) {
            channel.shutdownNow();
          }
        });
    scheduler.shutdown();
  }
}
