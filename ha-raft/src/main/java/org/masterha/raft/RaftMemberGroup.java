package org.masterha.raft;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.spi.Backoff;
import org.masterha.ha.spi.ErrorClassifier;
import org.masterha.ha.spi.GroupWatchers;
import org.masterha.ha.spi.KnownData;
import org.masterha.ha.spi.MemberLabels;
import org.masterha.ha.spi.SharedDetection;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One path of the replicated state as a group. The view follows the path by long polls: "the
 * members of this path once it changed after log index N", N being the change the view is as of, so
 * no change is missed. Listings carry the members' data ({@link KnownData}) and the highest
 * sequence ever handed out on the path, which is what each listing is "as of" for {@link
 * GroupWatchers}.
 *
 * <p>View state is touched on the session's event thread only.
 */
final class RaftMemberGroup implements Group, SharedDetection.Shared, KnownData {
  private static final Logger log = LoggerFactory.getLogger(RaftMemberGroup.class);
  private static final Backoff BACKOFF =
      Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1));

  private final RaftSession session;
  private final String path;
  private final GroupWatchers watchers = new GroupWatchers();
  private final Supplier<SharedDetection> detection =
      SharedDetection.lazily(this, this::sessionTimeout);

  // Event thread only.
  private final Map<Long, Listed> view = new HashMap<>();
  private long asOfIndex = -1;
  private long lastSequence = -1;
  private int pollFailures;

  /** The session each of our members was made with, by sequence. */
  private final Map<Long, Long> ownerOf = new ConcurrentHashMap<>();

  /** Nonces of joins under way (any thread): such a member of our session is not a stray yet. */
  private final Set<Long> joining = ConcurrentHashMap.newKeySet();

  /** Members we cancelled or found lost, by sequence: the view may still show them. */
  private final Set<Long> released = new HashSet<>();

  private final Set<Long> sweeping = new HashSet<>();

  /** Our members whose cancel is under way: their delete may show before our answer does. */
  private final Set<Long> cancelling = ConcurrentHashMap.newKeySet();

  private final Map<Membership, byte[]> dataOf = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Listed(Membership membership, long owner, long nonce) {}

  RaftMemberGroup(RaftSession session, String path) {
    this.session = session;
    this.path = path;
  }

  void start() {
    session.onEvents(this::poll);
  }

  @Override
  public SharedDetection detection() {
    return detection.get();
  }

  private Duration sessionTimeout() {
    return session.config().sessionTimeout();
  }

  @Override
  public String path() {
    return path;
  }

  // ------------------------------------------------------------------ following the path

  private void poll() {
    if (isClosed()) {
      return;
    }
    byte[] query =
        new Wire.Out()
            .op(Op.LIST)
            .str(path)
            .i64(asOfIndex)
            .i64(session.connection().pollWaitMs())
            .toBytes();
    session
        .connection()
        .read(query)
        .whenComplete(
            (answer, error) ->
                session.onEvents(
                    () -> {
                      if (isClosed()) {
                        return;
                      }
                      if (error != null) {
                        pollFailures++;
                        if (pollFailures == 1 || pollFailures % 20 == 0) {
                          log.info(
                              "following {} failed ({} in a row): {}",
                              path,
                              pollFailures,
                              ErrorClassifier.unwrap(error).toString());
                        }
                        session.schedule(this::poll, BACKOFF.delay(pollFailures).toMillis());
                        return;
                      }
                      pollFailures = 0;
                      if (answer.length > 0) {
                        apply(answer);
                      }
                      poll();
                    }));
  }

  /** A listing: taken when it is newer than the view. */
  private void apply(byte[] answer) {
    Wire.In in = new Wire.In(answer);
    long changedAt = in.i64();
    long highest = in.i64();
    int n = in.i32();
    if (changedAt < asOfIndex || (changedAt == asOfIndex && highest <= lastSequence)) {
      return;
    }
    view.clear();
    for (int i = 0; i < n; i++) {
      long sequence = in.i64();
      String id = in.str();
      Optional<String> label = in.optStr();
      long owner = in.i64();
      long nonce = in.i64();
      byte[] data = in.blob();
      Membership m = new Membership(id, sequence, label);
      view.put(sequence, new Listed(m, owner, nonce));
      dataOf.put(m, data);
    }
    asOfIndex = changedAt;
    lastSequence = highest;
    publish();
  }

  private void publish() {
    Set<Membership> members = snapshot();
    dataOf.keySet().retainAll(members);
    // A member we are cancelling must not look lost when its delete shows before our answer does.
    long vanishCheckUpTo = lastSequence;
    for (long s : cancelling) {
      vanishCheckUpTo = Math.min(vanishCheckUpTo, s - 1);
    }
    watchers.update(members, vanishCheckUpTo);
    released.removeIf(s -> s <= lastSequence && !view.containsKey(s));
    sweepStrays();
  }

  /** Members our live session holds that no membership here stands on: deleted, with a warning. */
  private void sweepStrays() {
    long live = session.liveSession();
    if (live == 0) {
      return;
    }
    List<Membership> held =
        view.values().stream()
            .filter(l -> l.owner() == live && !joining.contains(l.nonce()))
            .map(Listed::membership)
            .filter(m -> !released.contains(m.sequence()) && !sweeping.contains(m.sequence()))
            .toList();
    for (Membership stray : watchers.strays(held)) {
      log.warn(
          "Deleting member {}/{}: this client's live raft session {} holds it but no membership of this client stands on it;"
              + " a session never holds a member it does not know about",
          path,
          stray.id(),
          live);
      sweeping.add(stray.sequence());
      send(cancelCommand(live, stray.sequence()))
          .whenComplete((r, e) -> session.onEvents(() -> sweeping.remove(stray.sequence())));
    }
  }

  private Set<Membership> snapshot() {
    Set<Membership> s = new TreeSet<>();
    view.values().forEach(l -> s.add(l.membership()));
    return s;
  }

  /** The session is lost: every membership we hold here is lost. */
  void sessionLost() {
    watchers.lostAll().forEach(m -> released.add(m.sequence()));
  }

  void close(RuntimeException cause) {
    closed = true;
    watchers.close(cause);
  }

  private boolean isClosed() {
    return closed || session.isClosed();
  }

  // ------------------------------------------------------------------ members

  @Override
  public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
    return MemberLabels.checked(label, () -> joinChecked(data.clone(), label, 1));
  }

  private CompletableFuture<Membership> joinChecked(
      byte[] data, Optional<String> label, int attempt) {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    long nonce = session.nextNonce();
    joining.add(nonce);
    return session
        .session()
        .thenCompose(
            sid ->
                send(new Wire.Out()
                        .op(Op.JOIN)
                        .i64(sid)
                        .i64(nonce)
                        .str(path)
                        .optStr(label)
                        .blob(data)
                        .toBytes())
                    .thenCompose(
                        reply -> {
                          Wire.In in = new Wire.In(reply);
                          if (in.u8() != Wire.OK) {
                            // The group no longer has the session: nothing was made.
                            session.onEvents(
                                () -> session.lose(sid, "the raft group no longer has it"));
                            if (attempt >= 3) {
                              return CompletableFuture.failedFuture(
                                  new HaException(
                                      "joining "
                                          + path
                                          + " failed: the raft session kept expiring"));
                            }
                            return joinChecked(data, label, attempt + 1);
                          }
                          long sequence = in.i64();
                          String id = in.str();
                          return session.callOnEvents(() -> joined(id, sequence, label, sid));
                        }))
        .whenComplete((m, e) -> joining.remove(nonce))
        .handle(
            (m, e) -> {
              if (e != null) {
                throw failure(e, "joining " + path);
              }
              return m;
            });
  }

  /** On the event thread: the member exists in the replicated state. */
  private Membership joined(String id, long sequence, Optional<String> label, long sid) {
    if (isClosed()) {
      throw session.closedException();
    }
    Membership m =
        new Membership(id, sequence, label, new CompletableFuture<>(), () -> session.trusts(sid));
    ownerOf.put(sequence, sid);
    watchers.owned(m);
    if (!session.isLive(sid) || (lastSequence >= sequence && !view.containsKey(sequence))) {
      // Its session was lost meanwhile, or it was deleted before we could even register it.
      released.add(sequence);
      watchers.lost(m);
    }
    return m;
  }

  private byte[] cancelCommand(long sid, long sequence) {
    return new Wire.Out().op(Op.CANCEL).i64(sid).str(path).i64(sequence).toBytes();
  }

  @Override
  public CompletableFuture<Boolean> cancel(Membership membership) {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    Long sid = ownerOf.get(membership.sequence());
    if (!watchers.isOwned(membership) || sid == null) {
      return CompletableFuture.completedFuture(false);
    }
    cancelling.add(membership.sequence());
    return send(cancelCommand(sid, membership.sequence()))
        .handle(
            (reply, error) ->
                session.callOnEvents(
                    () -> {
                      cancelling.remove(membership.sequence());
                      released.add(membership.sequence());
                      ownerOf.remove(membership.sequence());
                      if (error != null) {
                        throw failure(error, "leaving " + path);
                      }
                      boolean deleted = new Wire.In(reply).bool();
                      if (deleted) {
                        watchers.cancelledByUs(membership);
                      } else {
                        watchers.lost(membership);
                      }
                      return deleted;
                    }))
        .thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<Optional<byte[]>> data(Membership membership) {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    byte[] query =
        new Wire.Out()
            .op(Op.DATA)
            .str(path)
            .i64(membership.sequence())
            .str(membership.id())
            .toBytes();
    return session
        .connection()
        .read(query)
        .handle(
            (answer, error) -> {
              if (error != null) {
                throw failure(error, "reading " + path + "/" + membership.id());
              }
              Wire.In in = new Wire.In(answer);
              return in.bool() ? Optional.of(in.blob()) : Optional.<byte[]>empty();
            });
  }

  @Override
  public Optional<byte[]> knownData(Membership member) {
    return Optional.ofNullable(dataOf.get(member));
  }

  @Override
  public CompletableFuture<Set<Membership>> members() {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    byte[] query = new Wire.Out().op(Op.LIST).str(path).i64(-1).i64(0).toBytes();
    return session
        .connection()
        .read(query)
        .handle(
            (answer, error) -> {
              if (error != null) {
                return CompletableFuture.<Set<Membership>>failedFuture(
                    failure(error, "listing the members of " + path));
              }
              return session.callOnEvents(
                  () -> {
                    if (isClosed()) {
                      throw session.closedException();
                    }
                    apply(answer);
                    return (Set<Membership>) Collections.unmodifiableSet(snapshot());
                  });
            })
        .thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    return watchers.watch(expected);
  }

  private CompletableFuture<byte[]> send(byte[] command) {
    return session.connection().write(command);
  }

  private RuntimeException failure(Throwable error, String what) {
    if (isClosed()) {
      return session.closedException();
    }
    Throwable e = ErrorClassifier.unwrap(error);
    if (e instanceof RuntimeException r && !(e instanceof CompletionException)) {
      return r;
    }
    return new HaException(what + " failed: " + e, e);
  }

  @Override
  public String toString() {
    return "RaftMemberGroup[" + path + ", as of index " + asOfIndex + "]";
  }
}
