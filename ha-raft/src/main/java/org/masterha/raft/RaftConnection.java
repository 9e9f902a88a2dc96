package org.masterha.raft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.ClientRetryEvent;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.raft.server.RaftNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ratis client to the group at the URL's addresses. The client must know each peer by the id the
 * peer has, or it would follow a leader hint to the address the peer reports rather than the one it
 * was given (a proxy, a NAT): so it first asks each address who is there (Ratis' group info), then
 * talks to the group with those ids at the given addresses. A peer that does not answer in time is
 * reached at the address the others report for it.
 */
final class RaftConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RaftConnection.class);

  /** The longest a request waits for its answer before Ratis tries again (or gives up). */
  private static final long MAX_REQUEST_TIMEOUT_MS = 3000;

  /** The shortest: a write through the log needs a round to a majority and an fsync. */
  private static final long MIN_REQUEST_TIMEOUT_MS = 1000;

  /** The longest a long poll waits on the peer. */
  private static final long MAX_POLL_WAIT_MS = 1000;

  /** The shortest a keep-alive waits for its answer before it tries another peer. */
  private static final long MIN_KEEP_ALIVE_TIMEOUT_MS = 200;

  /**
   * Scaled to the session timeout (at most it, between 1 and 3 s), so a request stuck on a dead
   * connection is given up and sent again well before a short session's deadline.
   */
  private final long requestTimeoutMs;

  /** A third of the request timeout, at most 1 s: a poll's answer always comes in time. */
  private final long pollWaitMs;

  private final RaftSettings settings;
  private final RaftGroupId groupId;

  /** The group with the peers' ids at the URL's addresses, once discovered. */
  private final CompletableFuture<RaftGroup> group = new CompletableFuture<>();

  /** For joins, cancels, sessions and reads: Ratis retries (same call id) for a while. */
  private final Clients retrying;

  /**
   * For state writes: retries only what proves the request was not applied (not the leader, no
   * leader yet, no connection made), so a write whose answer is lost is never sent again.
   */
  private final Clients once;

  /**
   * For keep-alives, which must not queue behind the other clients' ordered requests. A keep-alive
   * applied twice only renews twice, so it is retried like a join: on the at-most-once client, the
   * first keep-alive lost with a killed Raft leader closed Ratis' ordered window, failing every
   * keep-alive queued behind it, and the session ran out while a new leader was being elected.
   *
   * <p>With a request timeout of its own, a fifth of the session timeout: a Raft leader peer that
   * is paused (SIGSTOP, a long GC) keeps the connection open and answers nothing, and a keep-alive
   * waiting the whole session timeout for it let the session's deadline pass while the other peers
   * had long elected a leader that had given the session a fresh timeout. Giving up early only
   * costs a retry with the same call id, which the peers' retry cache answers once.
   */
  private final Clients keepAlives;

  /**
   * Closes Ratis clients and channels to failed peers: a graceful close waits up to 3 s on a paused
   * peer, which must hold up neither Ratis' timers nor the thread that completed a request.
   */
  private final ExecutorService closer =
      Executors.newCachedThreadPool(DaemonThreads.named("masterha-raft-closer"));

  private volatile boolean closed;

  RaftConnection(RaftSettings settings) {
    this.settings = settings;
    this.groupId = RaftNode.groupId(settings.group());
    this.requestTimeoutMs =
        Math.max(
            MIN_REQUEST_TIMEOUT_MS,
            Math.min(MAX_REQUEST_TIMEOUT_MS, settings.sessionTimeout().toMillis()));
    this.pollWaitMs = Math.min(MAX_POLL_WAIT_MS, requestTimeoutMs / 3);
    this.retrying = new Clients(RaftConnection::retries, requestTimeoutMs);
    this.once = new Clients(RaftConnection::retriesThatCannotApplyTwice, requestTimeoutMs);
    this.keepAlives =
        new Clients(
            RaftConnection::retries,
            Math.max(
                MIN_KEEP_ALIVE_TIMEOUT_MS,
                Math.min(requestTimeoutMs, settings.sessionTimeout().toMillis() / 5)));
    Thread t = new Thread(this::discover, "masterha-raft-discovery " + settings.basePath());
    t.setDaemon(true);
    t.start();
  }

  private RaftProperties properties() {
    return properties(requestTimeoutMs);
  }

  private static RaftProperties properties(long requestTimeoutMs) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(requestTimeoutMs, TimeUnit.MILLISECONDS));
    // The first request of an ordered client is a watch, which Ratis gives 10 s by default: sent to
    // a paused peer, it held every request queued behind it for those 10 s.
    RaftClientConfigKeys.Rpc.setWatchRequestTimeout(
        p, TimeDuration.valueOf(requestTimeoutMs, TimeUnit.MILLISECONDS));
    return p;
  }

  /** How long a long poll asks the peer to wait for a change. */
  long pollWaitMs() {
    return pollWaitMs;
  }

  /**
   * Retries only failures that prove the request was not applied: a peer that is not the leader or
   * not ready, or no connection at all.
   */
  private static RetryPolicy retriesThatCannotApplyTwice() {
    return event -> {
      if (event.getAttemptCount() < 30
          && (opensTheWindow(event) || provesNotApplied(event.getCause()))) {
        return () -> TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
      }
      return RetryPolicy.NO_RETRY_ACTION;
    };
  }

  /**
   * The watch a new ordered Ratis client sends first, before any request of ours goes out: it
   * changes nothing, so it is always sent again. Given up, it closed the client's window and failed
   * the write waiting behind it, never sent, as of unknown outcome: a chaos campaign saw 1,262 such
   * writes while one peer was down and every new client tried it first.
   */
  private static boolean opensTheWindow(RetryPolicy.Event event) {
    return event instanceof ClientRetryEvent e
        && e.getRequest() != null
        && e.getRequest().is(RaftClientRequestProto.TypeCase.WATCH);
  }

  private static boolean provesNotApplied(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof NotLeaderException
          || t instanceof LeaderNotReadyException
          || t instanceof java.net.ConnectException) {
        return true;
      }
      // Refused before it was sent: the stream to a peer that went away (a Raft leader stopped,
      // e.g. after it was removed from the group) was closed by an earlier request's failure.
      // "...: Stream close: no reply for async request" is not among these: that one was sent.
      if (t instanceof AlreadyClosedException
          && t.getMessage() != null
          && (t.getMessage().endsWith(" is closed.")
              || t.getMessage().endsWith(": the stream is closed."))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Ratis retries a request (same call id: the peers' retry cache answers a repeat) for a while.
   */
  private static RetryPolicy retries() {
    return RetryPolicies.retryUpToMaximumCountWithFixedSleep(
        30, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));
  }

  private void discover() {
    Map<String, String> idAt = new HashMap<>();
    RaftGroup reported = null;
    long giveUpOnRest = Long.MAX_VALUE;
    int round = 0;
    while (!closed && idAt.size() < settings.endpoints().size()) {
      for (String address : settings.endpoints()) {
        if (idAt.containsKey(address)) {
          continue;
        }
        try {
          GroupInfoReply info = probe(address);
          idAt.put(address, info.getRoleInfoProto().getSelf().getId().toStringUtf8());
          reported = info.getGroup();
        } catch (IOException | RuntimeException e) {
          if (round % 20 == 0) {
            log.info("raft peer at {} did not say who it is yet: {}", address, e.toString());
          }
        }
      }
      round++;
      if (!idAt.isEmpty() && giveUpOnRest == Long.MAX_VALUE) {
        giveUpOnRest = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      }
      if (System.nanoTime() > giveUpOnRest) {
        break;
      }
      if (idAt.size() < settings.endpoints().size()) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    if (closed) {
      group.completeExceptionally(new SessionClosedException("the raft session is closed"));
      return;
    }
    List<RaftPeer> peers = new ArrayList<>();
    idAt.forEach(
        (address, id) -> peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
    if (reported != null) {
      for (RaftPeer p : reported.getPeers()) {
        if (!idAt.containsValue(p.getId().toString())) {
          log.warn(
              "raft peer {} did not answer at any address of {}; reaching it at {}, the address its group reports",
              p.getId(),
              settings.endpoints(),
              p.getAddress());
          peers.add(p);
        }
      }
    }
    log.debug("raft client for {} talks to {}", settings.basePath(), peers);
    group.complete(RaftGroup.valueOf(groupId, peers));
  }

  /** The group as discovered: the peers' ids at the URL's addresses (for {@code RaftAdmin}). */
  CompletableFuture<RaftGroup> group() {
    return group;
  }

  /** Whether the peer at {@code address} says it is the Raft leader now. */
  boolean leads(String address) throws IOException {
    return probe(address).getRoleInfoProto().getRole() == RaftPeerRole.LEADER;
  }

  GroupInfoReply probe(String address) throws IOException {
    RaftPeerId probe = RaftPeerId.valueOf("probe");
    RaftPeer peer = RaftPeer.newBuilder().setId(probe).setAddress(address).build();
    try (RaftClient c =
        RaftClient.newBuilder()
            .setProperties(properties())
            .setRaftGroup(RaftGroup.valueOf(groupId, peer))
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
      return c.getGroupManagementApi(probe).info(groupId);
    }
  }

  /** A command, through the log. */
  CompletableFuture<byte[]> write(byte[] command) {
    return send(retrying, c -> c.async().send(message(command)), true);
  }

  /**
   * A command, through the log; {@code sentAt} hears the monotonic time just before it goes out
   * (after the peers were discovered), which is what a session deadline is measured from.
   */
  CompletableFuture<byte[]> write(byte[] command, LongConsumer sentAt) {
    return send(
        retrying,
        c -> {
          sentAt.accept(System.nanoTime());
          return c.async().send(message(command));
        },
        true);
  }

  /**
   * A command sent at most once: a failure that does not prove it was not applied fails the future
   * (its outcome is unknown) instead of sending it again.
   */
  CompletableFuture<byte[]> writeOnce(byte[] command) {
    return send(once, c -> c.async().send(message(command)), true);
  }

  /**
   * A keep-alive, retried for a while (same call id); {@code sentAt} hears when it first goes out.
   */
  CompletableFuture<byte[]> keepAlive(byte[] command, LongConsumer sentAt) {
    return send(
        keepAlives,
        c -> {
          sentAt.accept(System.nanoTime());
          return c.async().send(message(command));
        },
        true);
  }

  /**
   * A query, answered after a linearizable read index. A peer that cannot give a read index yet (no
   * leader known, a new leader not ready) is asked again for a while: a read changes nothing.
   */
  CompletableFuture<byte[]> read(byte[] query) {
    return read(query, 1);
  }

  private CompletableFuture<byte[]> read(byte[] query, int attempt) {
    // Unordered: a long poll must not hold back the answers to later requests.
    return send(retrying, c -> c.async().sendReadOnlyUnordered(message(query)), false)
        .handle(
            (answer, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(answer);
              }
              if (attempt < READ_ATTEMPTS && !closed && noLeaderYet(error)) {
                return CompletableFuture.supplyAsync(
                        () -> query, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS))
                    .thenCompose(q -> read(q, attempt + 1));
              }
              return CompletableFuture.<byte[]>failedFuture(error);
            })
        .thenCompose(f -> f);
  }

  /** About 10 s of asking again, 100 ms apart: longer than any Raft election should take. */
  private static final int READ_ATTEMPTS = 100;

  private static boolean noLeaderYet(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ReadIndexException
          || t instanceof LeaderNotReadyException
          || t instanceof NotLeaderException) {
        return true;
      }
    }
    return false;
  }

  private CompletableFuture<byte[]> send(
      Clients clients,
      Function<RaftClient, CompletableFuture<RaftClientReply>> call,
      boolean ordered) {
    return group
        .thenCompose(
            g -> {
              RaftClient c = clients.get(g);
              return call.apply(c)
                  .whenComplete(
                      (reply, error) -> {
                        if (error != null && ordered) {
                          clients.failed(c);
                        }
                      });
            })
        .thenApply(this::content);
  }

  /**
   * One Ratis client, replaced after an ordered request failed: Ratis' ordered client refuses every
   * later request once it gave up on one.
   */
  private final class Clients {
    private final Supplier<RetryPolicy> policy;
    private final long requestTimeoutMs;
    private RaftClient current;

    /** The leader the last client knew of: where the next one starts. */
    private RaftPeerId lastLeader;

    Clients(Supplier<RetryPolicy> policy, long requestTimeoutMs) {
      this.policy = policy;
      this.requestTimeoutMs = requestTimeoutMs;
    }

    synchronized RaftClient get(RaftGroup g) {
      if (closed) {
        throw new SessionClosedException("the raft session is closed");
      }
      if (current == null) {
        ClientId id = ClientId.randomId();
        RaftProperties properties = properties(requestTimeoutMs);
        current =
            RaftClient.newBuilder()
                .setClientId(id)
                .setProperties(properties)
                .setClientRpc(new ResettingClientRpc(id, properties, closer))
                .setLeaderId(lastLeader)
                .setRaftGroup(g)
                .setRetryPolicy(policy.get())
                .build();
      }
      return current;
    }

    void failed(RaftClient c) {
      synchronized (this) {
        if (current != c) {
          return;
        }
        current = null;
        lastLeader = c.getLeaderId();
      }
      // Not on this thread: it may be Ratis' timer, and the client's channel to a paused peer
      // takes 3 s to give up.
      try {
        closer.execute(() -> closeQuietly(c));
      } catch (RejectedExecutionException closing) {
        closeQuietly(c);
      }
    }

    void close() {
      RaftClient c;
      synchronized (this) {
        c = current;
        current = null;
      }
      if (c != null) {
        closeQuietly(c);
      }
    }
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException e) {
      log.debug("closing a raft client: {}", e.toString());
    }
  }

  private static Message message(byte[] bytes) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
  }

  private byte[] content(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      throw new CompletionException(
          reply.getException() != null
              ? reply.getException()
              : new IOException("the raft group refused the request"));
    }
    return reply.getMessage().getContent().toByteArray();
  }

  @Override
  public void close() {
    closed = true;
    retrying.close();
    once.close();
    keepAlives.close();
    closer.shutdown();
  }
}
