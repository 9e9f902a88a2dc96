package org.masterha.raft.server;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.raft.server.Wire.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordination service as a Ratis state machine: commands ({@link Wire.Op}) are log entries
 * applied to a {@link CoordinationStore}; queries are answered from the applied state after Ratis'
 * read index. Safety rests on commands only (keep-alives, fenced writes): Ratis 3.2 lets a leader
 * that lost its majority answer reads until it steps down (see {@link Wire.Op#SYNC}).
 *
 * <p><b>Session expiry</b> is the Raft leader's decision, on its own monotonic clock: it notes when
 * it applied each session's last keep-alive and, once a session's timeout has passed since, appends
 * an {@code EXPIRE_SESSION} command naming the keep-alive it judged by and its term. The command
 * only takes effect if no keep-alive was applied since and the entry was appended in that same
 * term, so a deposed leader's stale decision is void. A peer that becomes leader gives every
 * session a fresh full timeout from that moment (as a new ZooKeeper leader does), so a Raft
 * failover never expires a live session; a client measures its own deadline from the send time of
 * its last confirmed keep-alive, which is never later than any leader's.
 *
 * <p><b>Watches</b> are long polls: {@code LIST path since N} answers at once when the path changed
 * after log index N, else when it next changes or after the wait asked for, so a client that always
 * passes the last index it saw never misses a change.
 */
public final class CoordinationStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(CoordinationStateMachine.class);

  /** How often the leader looks for sessions past their timeout. */
  private static final long REAP_EVERY_MS = 50;

  /** The longest a long poll may ask to wait; the client's request timeout must exceed it. */
  static final long MAX_WAIT_MS = 10_000;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Object lock = new Object();
  private final CoordinationStore store = new CoordinationStore();

  /** Long polls waiting for a path to change, by path. Guarded by lock. */
  private final Map<String, List<CompletableFuture<Message>>> polls = new HashMap<>();

  /** When this peer applied each session's last keep-alive (or gave it a fresh timeout). */
  private final Map<Long, Long> lastHeardNanos = new ConcurrentHashMap<>();

  /** Sessions whose expiry this peer has submitted and not seen answered. */
  private final Set<Long> expiring = ConcurrentHashMap.newKeySet();

  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("raft-coordination-timers"));
  private final ClientId selfClient = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  /** The term in which this peer last gave every session a fresh timeout as leader. */
  private long freshInTerm = -1;

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    loadLatestSnapshot();
    LifeCycle life = getLifeCycle();
    life.transition(LifeCycle.State.STARTING);
    life.transition(LifeCycle.State.RUNNING);
    timers.scheduleWithFixedDelay(this::reap, REAP_EVERY_MS, REAP_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Before Ratis installs a snapshot sent by the leader (this peer was too far behind for the log):
   * Ratis only reloads a state machine that says it is paused.
   */
  @Override
  public void pause() {
    LifeCycle life = getLifeCycle();
    if (life.getCurrentState() == LifeCycle.State.RUNNING) {
      life.transition(LifeCycle.State.PAUSING);
      life.transition(LifeCycle.State.PAUSED);
    }
  }

  /** After a snapshot from the leader was installed: the state is that snapshot's. */
  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
    LifeCycle life = getLifeCycle();
    if (life.getCurrentState() == LifeCycle.State.PAUSED) {
      life.transition(LifeCycle.State.STARTING);
      life.transition(LifeCycle.State.RUNNING);
    }
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    File file = snapshot.getFile().getPath().toFile();
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
    }
    TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file);
    List<CompletableFuture<Message>> woken = new ArrayList<>();
    synchronized (lock) {
      try (DataInputStream in =
          new DataInputStream(new BufferedInputStream(Files.newInputStream(file.toPath())))) {
        store.load(in);
      }
      updateLastAppliedTermIndex(last);
      long now = System.nanoTime();
      lastHeardNanos.clear();
      store.sessions().keySet().forEach(id -> lastHeardNanos.put(id, now));
      polls.values().forEach(woken::addAll);
      polls.clear();
    }
    // The state jumped: every waiting poll answers, and its client asks again from what it got.
    woken.forEach(f -> f.complete(Message.EMPTY));
    log.info("loaded raft coordination snapshot {} ({} sessions)", last, lastHeardNanos.size());
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last;
    File file;
    synchronized (lock) {
      last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() <= 0) {
        return RaftLog.INVALID_LOG_INDEX;
      }
      file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
      try (DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file.toPath())))) {
        store.save(out);
      }
    }
    FileInfo info = new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file));
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(info, last));
    return last.getIndex();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    byte[] command = entry.getStateMachineLogEntry().getLogData().toByteArray();
    CoordinationStore.Applied applied;
    List<Map.Entry<CompletableFuture<Message>, byte[]>> answers = new ArrayList<>();
    try {
      synchronized (lock) {
        applied = store.apply(entry.getIndex(), entry.getTerm(), command);
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        noteLiveness(command, entry.getIndex());
        for (String path : applied.changedPaths()) {
          List<CompletableFuture<Message>> waiting = polls.remove(path);
          if (waiting != null) {
            byte[] listing = store.listing(path);
            waiting.forEach(f -> answers.add(Map.entry(f, listing)));
          }
        }
      }
    } catch (IllegalArgumentException e) {
      // Deterministic on every peer: the same malformed command is refused the same way.
      synchronized (lock) {
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      }
      return CompletableFuture.failedFuture(e);
    }
    answers.forEach(a -> a.getKey().complete(Message.valueOf(bytes(a.getValue()))));
    return CompletableFuture.completedFuture(Message.valueOf(bytes(applied.reply())));
  }

  /** Under lock: a keep-alive or new session restarts the session's timeout on this peer. */
  private void noteLiveness(byte[] command, long index) {
    Wire.In in = new Wire.In(command);
    Op op = in.op();
    long now = System.nanoTime();
    switch (op) {
      case OPEN_SESSION -> lastHeardNanos.put(index, now);
      case KEEP_ALIVE -> {
        long id = in.i64();
        if (store.sessions().containsKey(id)) {
          lastHeardNanos.put(id, now);
        }
        expiring.remove(id);
      }
      case EXPIRE_SESSION -> expiring.remove(in.i64());
      default -> {}
    }
    lastHeardNanos.keySet().retainAll(store.sessions().keySet());
    expiring.retainAll(store.sessions().keySet());
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] bytes = request.getContent().toByteArray();
    try {
      Wire.In in = new Wire.In(bytes);
      Op op = in.op();
      synchronized (lock) {
        switch (op) {
          case LIST -> {
            String path = in.str();
            long since = in.i64();
            long waitMs = Math.min(Math.max(0, in.i64()), MAX_WAIT_MS);
            if (store.changedAt(path) > since || waitMs == 0) {
              return done(store.listing(path));
            }
            CompletableFuture<Message> f = new CompletableFuture<>();
            polls.computeIfAbsent(path, p -> new ArrayList<>()).add(f);
            timers.schedule(() -> pollTimedOut(path, f), waitMs, TimeUnit.MILLISECONDS);
            return f;
          }
          case DATA -> {
            String path = in.str();
            long sequence = in.i64();
            return done(store.data(path, sequence, in.str()));
          }
          case FETCH -> {
            String base = in.str();
            return done(store.fetch(base, in.str()));
          }
          case NAMES -> {
            return done(store.names(in.str()));
          }
          default ->
              throw new IllegalArgumentException(
                  "operation " + op + " is a command; send it as a write");
        }
      }
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void pollTimedOut(String path, CompletableFuture<Message> f) {
    byte[] listing;
    synchronized (lock) {
      List<CompletableFuture<Message>> waiting = polls.get(path);
      if (waiting == null || !waiting.remove(f)) {
        return;
      }
      if (waiting.isEmpty()) {
        polls.remove(path);
      }
      listing = store.listing(path);
    }
    f.complete(Message.valueOf(bytes(listing)));
  }

  private static CompletableFuture<Message> done(byte[] answer) {
    return CompletableFuture.completedFuture(Message.valueOf(bytes(answer)));
  }

  private static org.apache.ratis.thirdparty.com.google.protobuf.ByteString bytes(byte[] b) {
    return org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(b);
  }

  // ------------------------------------------------------------------ expiry, on the leader

  private void reap() {
    try {
      RaftServer server = getServer().getNow(null);
      if (server == null) {
        return;
      }
      DivisionInfo info = server.getDivision(getGroupId()).getInfo();
      if (!info.isLeaderReady()) {
        return;
      }
      long term = info.getCurrentTerm();
      long now = System.nanoTime();
      List<long[]> due = new ArrayList<>();
      synchronized (lock) {
        if (term != freshInTerm) {
          // A new leader cannot know when its predecessor last heard from anyone: a fresh timeout.
          freshInTerm = term;
          store.sessions().keySet().forEach(id -> lastHeardNanos.put(id, now));
          expiring.clear();
          log.info(
              "raft peer {} leads in term {}: {} sessions get a fresh timeout",
              getId(),
              term,
              store.sessions().size());
          return;
        }
        for (CoordinationStore.Session s : store.sessions().values()) {
          Long heard = lastHeardNanos.get(s.id);
          if (heard == null) {
            lastHeardNanos.put(s.id, now);
            continue;
          }
          if (now - heard >= TimeUnit.MILLISECONDS.toNanos(s.timeoutMs)
              && !expiring.contains(s.id)) {
            due.add(new long[] {s.id, s.renewIndex});
          }
        }
      }
      for (long[] d : due) {
        expire(server, d[0], d[1], term);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("raft peer {}: session expiry check failed: {}", getId(), e.toString());
    }
  }

  private void expire(RaftServer server, long session, long renewIndex, long term)
      throws IOException {
    expiring.add(session);
    log.info(
        "raft peer {} expires session {}: no keep-alive within its timeout (term {})",
        getId(),
        session,
        term);
    byte[] command =
        new Wire.Out().op(Op.EXPIRE_SESSION).i64(session).i64(renewIndex).i64(term).toBytes();
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(selfClient)
            .setServerId(server.getId())
            .setGroupId(getGroupId())
            .setCallId(callIds.incrementAndGet())
            .setMessage(Message.valueOf(bytes(command)))
            .setType(RaftClientRequest.writeRequestType())
            .build();
    server
        .submitClientRequestAsync(request)
        .whenComplete(
            (reply, error) -> {
              if (error != null || reply == null || !reply.isSuccess()) {
                // Not leader any more, or the log refused it: the next check decides again.
                expiring.remove(session);
              }
            });
  }

  /** The sessions this peer knows, for tests and diagnostics. */
  public Set<Long> sessionIds() {
    synchronized (lock) {
      return new HashSet<>(store.sessions().keySet());
    }
  }

  @Override
  public void close() throws IOException {
    timers.shutdownNow();
    List<CompletableFuture<Message>> woken = new ArrayList<>();
    synchronized (lock) {
      polls.values().forEach(woken::addAll);
      polls.clear();
    }
    woken.forEach(f -> f.complete(Message.EMPTY));
    super.close();
  }
}
