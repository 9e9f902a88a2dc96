package org.masterha.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.masterha.proto.v1.LeaderEvent;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.masterha.proto.v1.WatchLeaderRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader detector for frameworks and tools that talk to masterha masters: it follows the leading
 * master through the masters' {@code WatchLeader} gRPC streams, without access to the coordination
 * store. Every master, leader or not, streams the leader it sees, so one stream to any live master
 * is enough.
 *
 * <ul>
 *   <li><b>Failover between masters.</b> One stream at a time, to the endpoints in order. When a
 *       stream breaks (the master went away), cannot start, or brings no first event within {@link
 *       LeaderClientOptions#firstEventTimeout()} (a frozen master), the client moves to the next
 *       endpoint, waiting {@link LeaderClientOptions#initialBackoff()} and doubling the wait up to
 *       {@link LeaderClientOptions#maxBackoff()} while attempts bring nothing. A broken stream says
 *       nothing about the leader: {@link #current()} keeps the last report until the next master's
 *       first event.
 *   <li><b>Epochs never go back.</b> A report whose epoch is below the highest seen comes from a
 *       stale master (frozen, partitioned, lagging) and is ignored, with a warning and {@link
 *       Listener#staleLeaderIgnored}. Only when every report stays below for {@link
 *       LeaderClientOptions#epochRegressConfirmation()} does the client take it for a store that
 *       went back in time and follow the new epoch line (docs/contract.md, rule 11).
 *   <li><b>Mesos' detector semantics.</b> {@link #detect(Optional)} completes when the leader
 *       differs from the one the caller knows.
 * </ul>
 *
 * <p>States: {@link State#LATENT} until {@link #start()}, then {@link State#CONNECTING} while no
 * stream has delivered its first event, {@link State#WATCHING} while one has, and {@link
 * State#CLOSED}. Everything runs on one thread of the client's own; {@link #close()} cancels the
 * stream, shuts the channel down and ends that thread.
 */
public final class LeaderClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderClient.class);

  /**
   * Told of every change of the leader a {@link LeaderClient} follows. Called on the executor given
   * at registration (the client's own thread by default, in order, one call at a time); a listener
   * that blocks on the client's thread delays the client.
   */
  @FunctionalInterface
  public interface Listener {
    /**
     * The leader is now {@code leader}, or there is none right now (empty), as reported by the
     * master at {@code reportedBy} ({@code host:port}). Never called twice in a row with the same
     * answer.
     */
    void leaderChanged(Optional<LeadingMaster> leader, String reportedBy);

    /**
     * The master at {@code reportedBy} named {@code stale}, whose epoch is below {@code
     * highestEpoch}, the highest this client has seen; the client ignored it. For callers that keep
     * their own record of refused masters (the demo agent's {@code refused} events).
     */
    default void staleLeaderIgnored(LeadingMaster stale, long highestEpoch, String reportedBy) {}
  }

  public enum State {
    LATENT,
    CONNECTING,
    WATCHING,
    CLOSED
  }

  private record Registration(Listener listener, Executor executor) {}

  private record Detection(
      Optional<LeadingMaster> previous, CompletableFuture<Optional<LeadingMaster>> future) {}

  private final LeaderClientOptions options;
  private final ScheduledExecutorService loop;
  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private volatile Optional<LeadingMaster> current = Optional.empty();
  private volatile boolean closed;
  private volatile Thread loopThread;

  // Confined to the loop thread.
  private ManagedChannel channel;
  private ClientCallStreamObserver<WatchLeaderRequest> call;
  private String watching;
  private boolean gotEvent;
  private ScheduledFuture<?> firstEventTimer;
  private int next;

  /** Which connect() the live stream belongs to; a stale stream's callbacks are dropped. */
  private int generation;

  /** Attempts in a row that brought no event; the backoff doubles with each. */
  private int failures;

  private long highestEpoch;

  /** Since when (nanoTime) every report has been below {@link #highestEpoch}; -1: none is. */
  private long regressSince = -1;

  private LeadingMaster lastStale;
  private String lastStaleFrom;
  private ScheduledFuture<?> regressTimer;
  private final List<Detection> detections = new ArrayList<>();

  private LeaderClient(LeaderClientOptions options) {
    this.options = options;
    this.highestEpoch = options.knownEpoch();
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "masterha-leader-client");
              t.setDaemon(true);
              loopThread = t;
              return t;
            });
  }

  /** A client that has not started yet: add listeners, then {@link #start()}. */
  public static LeaderClient create(LeaderClientOptions options) {
    return new LeaderClient(Objects.requireNonNull(options, "options"));
  }

  /** Starts following the leader: opens the first stream. */
  public LeaderClient start() {
    if (!state.compareAndSet(State.LATENT, State.CONNECTING)) {
      throw new IllegalStateException("the leader client is " + state.get() + ", not LATENT");
    }
    log.info(
        "Following the leader through the WatchLeader streams of {} (TLS {})",
        String.join(",", options.endpoints()),
        options.tlsMode());
    loop.execute(this::connect);
    return this;
  }

  public State state() {
    return state.get();
  }

  public LeaderClientOptions options() {
    return options;
  }

  /** The leader as last reported; empty before the first report and while there is none. */
  public Optional<LeadingMaster> current() {
    return current;
  }

  /** Calls {@code listener} on the client's thread on every change of the leader. */
  public void addListener(Listener listener) {
    addListener(listener, Runnable::run);
  }

  /** Calls {@code listener} through {@code executor} on every change of the leader. */
  public void addListener(Listener listener, Executor executor) {
    listeners.add(
        new Registration(
            Objects.requireNonNull(listener, "listener"),
            Objects.requireNonNull(executor, "executor")));
  }

  public void removeListener(Listener listener) {
    listeners.removeIf(r -> r.listener() == listener);
  }

  /**
   * A future that completes with the leader once it differs from {@code previous} (empty: "no
   * leader"): at once if it already does. {@code detect(Optional.empty())} waits for a leader. Like
   * Mesos' {@code MasterDetector::detect}: call it again with the answer to wait for the next
   * change. It completes on the client's thread, so a dependent stage that blocks should be an
   * {@code ...Async} one; it fails with {@link IllegalStateException} when the client is closed.
   */
  public CompletableFuture<Optional<LeadingMaster>> detect(Optional<LeadingMaster> previous) {
    Objects.requireNonNull(previous, "previous");
    CompletableFuture<Optional<LeadingMaster>> f = new CompletableFuture<>();
    if (!onLoop(
        () -> {
          if (closed) {
            f.completeExceptionally(closedError());
          } else if (!current.equals(previous)) {
            f.complete(current);
          } else {
            detections.add(new Detection(previous, f));
          }
        })) {
      f.completeExceptionally(closedError());
    }
    return f;
  }

  /**
   * The caller could not reach the master at {@code endpoint} ({@code host:port}), e.g. the leader
   * this client reported. If the client's stream is with that master it moves on to the next: a
   * frozen master keeps its stream open but silent, so that stream would never report a successor.
   */
  public void unreachable(String endpoint) {
    onLoop(
        () -> {
          if (!closed && endpoint.equals(watching) && call != null) {
            log.info(
                "The leader stream's master {} does not answer; switching to the next master",
                endpoint);
            // Cancelling fails the call with CANCELLED; its end connects to the next master.
            call.cancel("master " + endpoint + " does not answer", null);
          }
        });
  }

  /** What the client watches, for logs. */
  public String describe() {
    return "WatchLeader streams of " + String.join(",", options.endpoints());
  }

  @Override
  public String toString() {
    return "LeaderClient[" + state.get() + ", leader=" + current + ", " + options + "]";
  }

  /**
   * Stops: cancels the stream, shuts the channel down, fails pending {@link #detect} futures and
   * ends the client's thread. Idempotent.
   */
  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    closed = true;
    ManagedChannel[] last = new ManagedChannel[1];
    Runnable stop =
        () -> {
          last[0] = channel;
          closeStream("leader client closing");
          for (Detection d : detections) {
            d.future().completeExceptionally(closedError());
          }
          detections.clear();
          if (regressTimer != null) {
            regressTimer.cancel(false);
          }
        };
    if (Thread.currentThread() == loopThread) {
      // Closed by a listener or a detect stage on the client's own thread: it cannot wait for
      // itself, so it stops the stream here and lets the thread end when the listener returns.
      stop.run();
      loop.shutdownNow();
      return;
    }
    try {
      loop.submit(stop).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Could not stop the leader client's stream in time: {}", e.toString());
    }
    loop.shutdownNow();
    try {
      loop.awaitTermination(2, TimeUnit.SECONDS);
      if (last[0] != null) {
        last[0].awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static IllegalStateException closedError() {
    return new IllegalStateException("the leader client is closed");
  }

  /** Runs {@code task} on the loop; false if the loop is gone. */
  private boolean onLoop(Runnable task) {
    try {
      loop.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    List<String> endpoints = options.endpoints();
    String target = endpoints.get(next++ % endpoints.size());
    int gen = ++generation;
    closeStream("moving to the next master");
    watching = target;
    gotEvent = false;
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target);
    if (options.tls().isPresent()) {
      b.sslContext(options.tls().get());
    } else {
      b.usePlaintext();
    }
    channel = b.build();
    log.debug("Opening the leader stream of {}", target);
    firstEventTimer =
        loop.schedule(
            () -> {
              if (!closed && gen == generation && !gotEvent && call != null) {
                log.info(
                    "The leader stream of {} brought no event within {}; trying the next master",
                    target,
                    options.firstEventTimeout());
                call.cancel("no first event within " + options.firstEventTimeout(), null);
              }
            },
            options.firstEventTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
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
                onLoop(() -> onEvent(gen, target, event));
              }

              @Override
              public void onError(Throwable t) {
                onLoop(() -> onStreamEnd(gen, target, t.toString()));
              }

              @Override
              public void onCompleted() {
                onLoop(() -> onStreamEnd(gen, target, "the master closed the stream"));
              }
            });
  }

  private void closeStream(String why) {
    if (firstEventTimer != null) {
      firstEventTimer.cancel(false);
      firstEventTimer = null;
    }
    if (call != null) {
      call.cancel(why, null);
      call = null;
    }
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
    watching = null;
  }

  private void onEvent(int gen, String from, LeaderEvent event) {
    if (closed || gen != generation) {
      return;
    }
    if (!gotEvent) {
      gotEvent = true;
      failures = 0;
      firstEventTimer.cancel(false);
      state.compareAndSet(State.CONNECTING, State.WATCHING);
      log.info("Watching the leader through {}'s stream", from);
    }
    if (!event.hasLeader()) {
      change(Optional.empty(), from);
      return;
    }
    LeadingMaster leader =
        new LeadingMaster(event.getLeader().getInfo(), event.getLeader().getEpoch());
    if (leader.epoch() < highestEpoch) {
      stale(leader, from);
      return;
    }
    regressSince = -1;
    lastStale = null;
    if (regressTimer != null) {
      regressTimer.cancel(false);
      regressTimer = null;
    }
    highestEpoch = leader.epoch();
    change(Optional.of(leader), from);
  }

  private void stale(LeadingMaster leader, String from) {
    log.warn(
        "Ignoring leader {} reported by {}: its epoch {} is below epoch {}, the highest seen (a"
            + " stale master; if every report stays below for {}, the store went back in time and"
            + " the client follows it)",
        leader.describe(),
        from,
        leader.epoch(),
        highestEpoch,
        options.epochRegressConfirmation());
    lastStale = leader;
    lastStaleFrom = from;
    if (regressSince < 0) {
      regressSince = System.nanoTime();
      regressTimer =
          loop.schedule(
              this::regressConfirmed,
              options.epochRegressConfirmation().toNanos(),
              TimeUnit.NANOSECONDS);
    }
    long highest = highestEpoch;
    for (Registration r : listeners) {
      notify(r, () -> r.listener().staleLeaderIgnored(leader, highest, from));
    }
  }

  /** Every report has stayed below the highest epoch for the confirmation period. */
  private void regressConfirmed() {
    regressTimer = null;
    if (closed || regressSince < 0 || lastStale == null) {
      return;
    }
    LeadingMaster leader = lastStale;
    log.error(
        "Every leader reported for {} has an epoch below {}, the highest seen: the store went back"
            + " in time (wiped or restored from a backup). Following {} (epoch {}) on a new epoch"
            + " line.",
        options.epochRegressConfirmation(),
        highestEpoch,
        leader.describe(),
        leader.epoch());
    regressSince = -1;
    lastStale = null;
    highestEpoch = leader.epoch();
    change(Optional.of(leader), lastStaleFrom);
  }

  private void onStreamEnd(int gen, String from, String why) {
    if (closed || gen != generation) {
      return;
    }
    failures++;
    long delay =
        Math.min(
            options.maxBackoff().toMillis(),
            options.initialBackoff().toMillis() << Math.min(failures - 1, 20));
    log.info("Leader stream of {} ended: {}; trying the next master in {} ms", from, why, delay);
    closeStream("stream ended");
    state.compareAndSet(State.WATCHING, State.CONNECTING);
    loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private void change(Optional<LeadingMaster> leader, String from) {
    if (leader.equals(current)) {
      return;
    }
    current = leader;
    log.info(
        "Leader: {} (reported by {})", leader.map(LeadingMaster::toString).orElse("none"), from);
    for (Registration r : listeners) {
      notify(r, () -> r.listener().leaderChanged(leader, from));
    }
    for (Iterator<Detection> it = detections.iterator(); it.hasNext(); ) {
      Detection d = it.next();
      if (d.future().isDone()) {
        it.remove();
      } else if (!d.previous().equals(leader)) {
        it.remove();
        d.future().complete(leader);
      }
    }
  }

  private static void notify(Registration r, Runnable call) {
    try {
      r.executor()
          .execute(
              () -> {
                try {
                  call.run();
                } catch (RuntimeException e) {
                  log.warn("A leader listener failed: {}", e.toString(), e);
                }
              });
    } catch (RejectedExecutionException e) {
      log.warn("A leader listener's executor refused a change: {}", e.toString());
    }
  }
}
