package org.masterha.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.spi.ErrorClassifier;
import org.masterha.ha.spi.GroupWatchers;
import org.masterha.ha.spi.KnownData;
import org.masterha.ha.spi.MemberLabels;
import org.masterha.ha.spi.SharedDetection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One path of the store as a group: the members are the direct children of {@code <path>/} (deeper
 * keys belong to subgroups such as {@code log_replicas}), each bound to the lease of the session
 * that joined it.
 *
 * <p>The group keeps a view of its members as of a store revision: a range read of the prefix, then
 * a watch of the prefix from that revision + 1, so no change is missed. A broken watch resumes from
 * the last revision applied; a watch whose revision was compacted away is replaced by a fresh
 * listing. A listing that is newer than the view (from {@link #members()}) replaces it, and watch
 * events at or below the view's revision are skipped as already seen. Each change reaches {@link
 * GroupWatchers} with the revision it is as of.
 *
 * <p>The base group is the exception: its prefix holds the state variables ({@code <base>/state/},
 * see {@link EtcdState}), whose values, up to 1.5 MiB each, must not travel to every master and
 * detector with each state write. A watch is one key range, so the base group watches the two
 * ranges on either side of {@code <base>/state/}. Two watches deliver their events in no common
 * order, so applying them as they come could show a member set that never existed (a newer member
 * before an older one, a leader going back in epoch): instead, their events only say that something
 * changed after a revision, and the view is refreshed by a keys-only listing, which is always one
 * consistent revision.
 *
 * <p>Watch events carry the members' data: the group keeps it for the members in its view ({@link
 * KnownData}), so leader detection reads the data only of a member it learned of from a listing
 * (keys-only) rather than an event, once.
 *
 * <p>View state is touched on the session's event thread only.
 */
final class EtcdGroup implements Group, SharedDetection.Shared, KnownData {
  private static final Logger log = LoggerFactory.getLogger(EtcdGroup.class);

  private final EtcdSession session;
  private final String path;
  private final String prefix;
  private final ByteSequence prefixBytes;

  /**
   * The key ranges watched: the whole prefix, or for the base group the prefix less {@code
   * <base>/state/}.
   */
  private final List<KeyRange> ranges;

  private final GroupWatchers watchers = new GroupWatchers();

  /** The one detection of this group that every detector and candidacy of the session shares. */
  private final Supplier<SharedDetection> detection =
      SharedDetection.lazily(this, this::sessionTimeout);

  // Event thread only.
  private final Map<String, Membership> view = new HashMap<>();

  /**
   * The data of members in the view, as their watch events brought it (listings are keys-only):
   * leader detection reads none of them again. Any thread reads it.
   */
  private final Map<Membership, byte[]> dataOf = new java.util.concurrent.ConcurrentHashMap<>();

  /** The lease each member in the view is bound to. */
  private final Map<String, Long> leaseOf = new HashMap<>();

  /** Member names of joins under way (any thread): such a key of our lease is not a stray yet. */
  private final Set<String> joining = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Strays whose delete is under way. */
  private final Set<String> sweeping = new HashSet<>();

  /**
   * Members we cancelled or found lost, by name, with their sequence: the view may still show them
   * (it can lag our own delete, or not even show their creation yet), so they are no strays until a
   * view as of a revision past their creation no longer lists them.
   */
  private final Map<String, Long> released = new HashMap<>();

  private final Set<Membership> cancelling = new HashSet<>();
  private final Set<String> ignoredKeys = new HashSet<>();
  private long asOf = -1;
  private volatile long revision = -1;
  private final AtomicInteger listings = new AtomicInteger();
  private long generation;
  private int watchFailures;

  /** Refreshing the view by a listing because a watch (of several ranges) reported a change. */
  private boolean refreshing;

  /** The newest revision a watch of several ranges reported a change at. */
  private long changedAt = -1;

  private volatile List<Watch.Watcher> watches = List.of();
  private volatile boolean closed;

  EtcdGroup(EtcdSession session, String path) {
    this.session = session;
    this.path = path;
    this.prefix = path + "/";
    this.prefixBytes = bytes(prefix);
    // Every key under "<path>/" is below "<path>0" ('0' follows '/'), and under "<path>/state/"
    // below "<path>/state0".
    String end = path + "0";
    if (path.equals(session.settings().basePath())) {
      String state = EtcdState.statePrefix(path);
      String stateEnd = state.substring(0, state.length() - 1) + "0";
      this.ranges = List.of(new KeyRange(prefix, state), new KeyRange(stateEnd, end));
    } else {
      this.ranges = List.of(new KeyRange(prefix, end));
    }
  }

  /** The keys from {@code from} (inclusive) to {@code to} (exclusive). */
  private record KeyRange(String from, String to) {}

  /**
   * Whether watch events only signal a change, to be read by a listing (several ranges), or are
   * applied.
   */
  private boolean listsOnChange() {
    return ranges.size() > 1;
  }

  void start() {
    session.onEvents(this::relist);
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

  // ---------------------------------------------------------------- following the prefix

  private void relist() {
    if (isClosed()) {
      return;
    }
    long gen = stopWatch();
    listings.incrementAndGet();
    list()
        .whenComplete(
            (response, error) ->
                session.onEvents(
                    () -> {
                      if (isClosed() || gen != generation) {
                        return;
                      }
                      if (error != null) {
                        fail(EtcdErrors.fatal("listing the members of " + path, error));
                        return;
                      }
                      apply(response);
                      startWatch();
                    }));
  }

  private CompletableFuture<GetResponse> list() {
    GetOption all = GetOption.builder().isPrefix(true).withKeysOnly(true).build();
    return session
        .ready()
        .thenCompose(
            x ->
                session
                    .retrier()
                    .retry(
                        "listing " + prefix,
                        a -> session.client().getKVClient().get(prefixBytes, all)));
  }

  /** Takes a complete listing if it is newer than the view. */
  private void apply(GetResponse response) {
    long revision = response.getHeader().getRevision();
    if (revision <= asOf) {
      return;
    }
    view.clear();
    leaseOf.clear();
    for (KeyValue kv : response.getKvs()) {
      Membership m = member(kv);
      if (m != null) {
        view.put(m.id(), m);
        leaseOf.put(m.id(), kv.getLease());
      }
    }
    asOf = revision;
    publish();
  }

  private void startWatch() {
    long gen = ++generation;
    long from = asOf + 1;
    List<Watch.Watcher> started = new ArrayList<>();
    for (KeyRange range : ranges) {
      AtomicReference<Watch.Watcher> self = new AtomicReference<>();
      // jetcd reports an error and then, as it closes the watcher, an end: only the first of them
      // counts.
      AtomicBoolean ended = new AtomicBoolean();
      Watch.Listener listener =
          Watch.listener(
              response -> session.onEvents(() -> onWatchResponse(gen, response)),
              error -> {
                if (ended.compareAndSet(false, true)) {
                  session.onEvents(() -> onWatchFailure(gen, error));
                }
                // Stop jetcd's own resumption, which can skip events; we resume from the revision
                // we applied.
                Watch.Watcher w = self.get();
                if (w != null) {
                  w.close();
                }
              },
              () -> {
                if (ended.compareAndSet(false, true)) {
                  session.onEvents(
                      () ->
                          onWatchFailure(
                              gen, new WatchEndedException("etcd ended the watch on " + prefix)));
                }
              });
      WatchOption option =
          WatchOption.builder()
              .withRange(bytes(range.to()))
              .withRevision(from)
              // A member cut off from the raft leader cancels the watch instead of serving a stale
              // view.
              .withRequireLeader(true)
              .build();
      try {
        Watch.Watcher w =
            session.client().getWatchClient().watch(bytes(range.from()), option, listener);
        self.set(w);
        started.add(w);
      } catch (RuntimeException e) {
        started.forEach(Watch.Watcher::close);
        onWatchFailure(gen, e);
        return;
      }
    }
    watches = List.copyOf(started);
  }

  private void onWatchResponse(long gen, WatchResponse response) {
    if (isClosed() || gen != generation) {
      return;
    }
    watchFailures = 0;
    if (listsOnChange()) {
      long changed = -1;
      for (WatchEvent event : response.getEvents()) {
        changed = Math.max(changed, event.getKeyValue().getModRevision());
        if (event.getEventType() == WatchEvent.EventType.PUT) {
          Membership m = member(event.getKeyValue());
          if (m != null) {
            dataOf.put(m, event.getKeyValue().getValue().getBytes());
          }
        }
      }
      if (changed > asOf) {
        refresh(changed);
      }
      return;
    }
    long newest = asOf;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      long revision = kv.getModRevision();
      if (revision <= asOf) {
        continue; // already in a listing taken after it
      }
      newest = Math.max(newest, revision);
      switch (event.getEventType()) {
        case PUT -> {
          Membership m = member(kv);
          if (m != null) {
            Membership old = view.get(m.id());
            if (old == null || old.sequence() != m.sequence()) {
              view.put(m.id(), m);
            }
            leaseOf.put(m.id(), kv.getLease());
            dataOf.put(m, kv.getValue().getBytes());
          }
        }
        case DELETE -> {
          String gone = name(kv);
          if (gone != null) {
            view.remove(gone);
            leaseOf.remove(gone);
          }
        }
        default -> log.debug("ignoring watch event {} on {}", event.getEventType(), prefix);
      }
    }
    if (newest > asOf) {
      asOf = newest;
      publish();
    }
  }

  /**
   * Lists the prefix until the view is as of {@code changed} or newer; one listing at a time, and
   * changes reported meanwhile are covered by the next.
   */
  private void refresh(long changed) {
    changedAt = Math.max(changedAt, changed);
    if (refreshing || isClosed()) {
      return;
    }
    refreshing = true;
    list()
        .whenComplete(
            (response, error) ->
                session.onEvents(
                    () -> {
                      refreshing = false;
                      if (isClosed()) {
                        return;
                      }
                      if (error != null) {
                        fail(EtcdErrors.fatal("listing the members of " + path, error));
                        return;
                      }
                      apply(response);
                      if (changedAt > asOf) {
                        refresh(changedAt);
                      }
                    }));
  }

  private void onWatchFailure(long gen, Throwable error) {
    if (isClosed() || gen != generation) {
      return;
    }
    long stopped = stopWatch();
    switch (EtcdErrors.classify(error)) {
      case COMPACTED -> {
        log.info(
            "the watch on {} fell behind etcd's compaction (at revision {}); listing afresh",
            prefix,
            asOf + 1);
        relist();
      }
      case FATAL -> fail(EtcdErrors.fatal("watching " + prefix, error));
      default -> {
        watchFailures++;
        long delay = EtcdSession.BACKOFF.delay(watchFailures).toMillis();
        if (watchFailures == 1 || watchFailures % 10 == 0) {
          log.info(
              "the watch on {} broke ({}); resuming from revision {} in {} ms",
              prefix,
              EtcdErrors.describe(error),
              asOf + 1,
              delay);
        }
        session.schedule(
            () -> {
              if (!isClosed() && generation == stopped) {
                startWatch();
              }
            },
            delay);
      }
    }
  }

  /** Ends the current watch, if any, and makes its callbacks stale; returns the new generation. */
  private long stopWatch() {
    long gen = ++generation;
    List<Watch.Watcher> ws = watches;
    watches = List.of();
    ws.forEach(Watch.Watcher::close);
    return gen;
  }

  private void publish() {
    revision = asOf;
    dataOf.keySet().retainAll(new HashSet<>(view.values()));
    // A member we are cancelling must not look lost when its delete shows up before our answer
    // does.
    long vanishCheckUpTo = asOf;
    for (Membership m : cancelling) {
      vanishCheckUpTo = Math.min(vanishCheckUpTo, m.sequence() - 1);
    }
    watchers.update(snapshot(), vanishCheckUpTo);
    sweep();
  }

  /**
   * The safety net: a key bound to our live lease that no membership of ours stands on (and no join
   * under way is making) is deleted at once, with a warning. A session never holds a member it does
   * not know about.
   */
  private void sweep() {
    long live = session.keeper().liveLease();
    if (live == LeaseKeeper.NONE) {
      return;
    }
    released.entrySet().removeIf(e -> asOf >= e.getValue() && !view.containsKey(e.getKey()));
    List<Membership> held = new ArrayList<>();
    for (Membership m : view.values()) {
      Long lease = leaseOf.get(m.id());
      if (lease != null
          && lease == live
          && !joining.contains(m.id())
          && !sweeping.contains(m.id())
          && !released.containsKey(m.id())) {
        held.add(m);
      }
    }
    for (Membership stray : watchers.strays(held)) {
      log.warn(
          "Deleting member {}{}: this client's live lease {} holds it but no membership of this client stands on it;"
              + " a session never holds a member it does not know about",
          prefix,
          stray.id(),
          Long.toHexString(live));
      sweeping.add(stray.id());
      ByteSequence key = bytes(prefix + stray.id());
      session
          .retrier()
          .retry(
              "deleting stray member " + prefix + stray.id(),
              a ->
                  session
                      .client()
                      .getKVClient()
                      .txn()
                      .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(stray.sequence())))
                      .Then(Op.delete(key, DeleteOption.DEFAULT))
                      .commit())
          .whenComplete(
              (r, e) ->
                  session.onEvents(
                      () -> {
                        sweeping.remove(stray.id());
                        if (e != null) {
                          log.warn(
                              "Could not delete stray member {}{}: {}",
                              prefix,
                              stray.id(),
                              EtcdErrors.describe(e));
                        }
                      }));
    }
  }

  private SortedSet<Membership> snapshot() {
    return new TreeSet<>(view.values());
  }

  private void fail(HaException e) {
    log.error("the etcd group {} cannot go on: {}", path, e.getMessage());
    stopWatch();
    watchers.fail(e);
  }

  /** The session's lease is gone: every membership we hold here is lost. */
  void leaseLost() {
    watchers.lostAll();
  }

  void close(RuntimeException cause) {
    closed = true;
    List<Watch.Watcher> ws = watches;
    watches = List.of();
    ws.forEach(Watch.Watcher::close);
    watchers.close(cause);
  }

  private boolean isClosed() {
    return closed || session.isClosed();
  }

  // ---------------------------------------------------------------- members

  private Membership member(KeyValue kv) {
    String name = name(kv);
    if (name == null) {
      return null;
    }
    Optional<Optional<String>> label = MemberKey.parseLabel(name);
    if (label.isEmpty()) {
      if (ignoredKeys.add(name)) {
        log.warn(
            "ignoring key {}{} in etcd: it is not named like a member (<label>_<lease>_<n>)",
            prefix,
            name);
      }
      return null;
    }
    return new Membership(name, kv.getCreateRevision(), label.get());
  }

  /** The member name of a key directly under the prefix, or null for deeper keys. */
  private String name(KeyValue kv) {
    String key = kv.getKey().toString(StandardCharsets.UTF_8);
    if (!key.startsWith(prefix)) {
      return null;
    }
    String name = key.substring(prefix.length());
    return name.isEmpty() || name.indexOf('/') >= 0 ? null : name;
  }

  @Override
  public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
    return MemberLabels.checked(label, () -> joinChecked(data, label));
  }

  private CompletableFuture<Membership> joinChecked(byte[] data, Optional<String> label) {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    CompletableFuture<Membership> result = new CompletableFuture<>();
    join(data.clone(), label, 1, result);
    return result;
  }

  private void join(
      byte[] data, Optional<String> label, int attempt, CompletableFuture<Membership> result) {
    AtomicReference<Long> leaseUsed = new AtomicReference<>();
    session
        .keeper()
        .lease()
        .thenCompose(
            leaseId -> {
              leaseUsed.set(leaseId);
              return create(leaseId, data, label, 1);
            })
        .whenComplete(
            (m, error) -> {
              if (error == null) {
                result.complete(m);
                return;
              }
              if (ErrorClassifier.unwrap(error) instanceof LeaseLostDuringJoin
                  && attempt < 3
                  && !isClosed()) {
                session.onEvents(() -> join(data, label, attempt + 1, result));
                return;
              }
              EtcdErrors.Kind kind = EtcdErrors.classify(error);
              if (kind == EtcdErrors.Kind.LEASE_NOT_FOUND && attempt < 3 && !isClosed()) {
                // The lease expired before the member was made: nothing was handed out yet, so join
                // with a new lease.
                if (leaseUsed.get() != null) {
                  session.keeper().notFound(leaseUsed.get());
                }
                session.onEvents(() -> join(data, label, attempt + 1, result));
                return;
              }
              result.completeExceptionally(
                  isClosed()
                      ? session.closedException()
                      : kind == EtcdErrors.Kind.FATAL || kind == EtcdErrors.Kind.LEASE_NOT_FOUND
                          ? EtcdErrors.fatal("joining " + path, error)
                          : ErrorClassifier.unwrap(error));
            });
  }

  private CompletableFuture<Membership> create(
      long leaseId, byte[] data, Optional<String> label, int clash) {
    String name = MemberKey.name(label, leaseId, session.nextNonce());
    joining.add(name);
    CompletableFuture<Membership> made = create(name, leaseId, data, label, clash);
    made.whenComplete((m, e) -> joining.remove(name));
    return made;
  }

  private CompletableFuture<Membership> create(
      String name, long leaseId, byte[] data, Optional<String> label, int clash) {
    ByteSequence key = bytes(prefix + name);
    ByteSequence value = ByteSequence.from(data);
    // Put only if the key is new, so the create revision is ours; read it back in the same
    // transaction. A retry
    // after a lost answer finds the key already there with our lease: that is our member, not a
    // clash.
    return session
        .retrier()
        .retry(
            "joining " + path,
            a ->
                session
                    .client()
                    .getKVClient()
                    .txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(
                        Op.put(key, value, PutOption.builder().withLeaseId(leaseId).build()),
                        Op.get(key, GetOption.DEFAULT))
                    .Else(Op.get(key, GetOption.DEFAULT))
                    .commit())
        .thenCompose(
            response -> {
              KeyValue kv = firstKv(response);
              boolean ours = kv != null && kv.getLease() == leaseId;
              if (!ours) {
                if (clash >= 5) {
                  return CompletableFuture.failedFuture(
                      new HaException(
                          "joining "
                              + path
                              + " failed: the member key "
                              + name
                              + " kept clashing with keys written by someone else"));
                }
                return create(leaseId, data, label, clash + 1);
              }
              long sequence = kv.getCreateRevision();
              return session.callOnEvents(() -> joined(name, sequence, label, leaseId));
            });
  }

  private static KeyValue firstKv(TxnResponse response) {
    List<GetResponse> gets = response.getGetResponses();
    return gets.isEmpty() || gets.get(0).getKvs().isEmpty() ? null : gets.get(0).getKvs().get(0);
  }

  /** On the event thread: the member exists in the store. */
  private Membership joined(String name, long sequence, Optional<String> label, long leaseId) {
    if (isClosed()) {
      throw session.closedException();
    }
    LeaseKeeper keeper = session.keeper();
    Membership m =
        new Membership(
            name, sequence, label, new CompletableFuture<>(), () -> keeper.trusts(leaseId));
    if (!session.keeper().isLive(leaseId)) {
      // The lease was given up while the member was being made (e.g. its grant was answered too
      // late to trust):
      // the key goes with the lease's revocation, nothing was handed out yet, so the join starts
      // again.
      log.info(
          "member {}{} was made with lease {}, which has been given up since; joining again with a new lease",
          prefix,
          name,
          Long.toHexString(leaseId));
      throw new LeaseLostDuringJoin(leaseId);
    }
    watchers.owned(m);
    Membership seen = view.get(name);
    if (asOf >= sequence && (seen == null || seen.sequence() != sequence)) {
      // Created and deleted again before we could even register it.
      watchers.lost(m);
    }
    return m;
  }

  @Override
  public CompletableFuture<Boolean> cancel(Membership membership) {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    if (!watchers.isOwned(membership)) {
      return CompletableFuture.completedFuture(false);
    }
    ByteSequence key = bytes(prefix + membership.id());
    return session
        .callOnEvents(() -> cancelling.add(membership))
        .thenCompose(
            x ->
                session
                    .retrier()
                    .retry(
                        "leaving " + path,
                        a ->
                            session
                                .client()
                                .getKVClient()
                                .txn()
                                .If(
                                    new Cmp(
                                        key,
                                        Cmp.Op.EQUAL,
                                        CmpTarget.createRevision(membership.sequence())))
                                .Then(Op.delete(key, DeleteOption.DEFAULT))
                                .commit()
                                // A retried delete that finds the key gone most likely follows our
                                // own delete whose answer was lost.
                                .thenApply(r -> r.isSucceeded() || a.number() > 1)))
        .handle(
            (deleted, error) ->
                session.callOnEvents(
                    () -> {
                      cancelling.remove(membership);
                      released.put(membership.id(), membership.sequence());
                      if (error != null) {
                        publish();
                        throw EtcdErrors.classify(error) == EtcdErrors.Kind.FATAL
                            ? EtcdErrors.fatal("leaving " + path, error)
                            : new CompletionException(ErrorClassifier.unwrap(error));
                      }
                      if (deleted) {
                        watchers.cancelledByUs(membership);
                      } else {
                        watchers.lost(membership);
                      }
                      publish();
                      return deleted;
                    }))
        .thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<Optional<byte[]>> data(Membership membership) {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    ByteSequence key = bytes(prefix + membership.id());
    return session
        .retrier()
        .retry("reading " + prefix + membership.id(), a -> session.client().getKVClient().get(key))
        .handle(
            (response, error) -> {
              if (error != null) {
                throw fatalOr(error, "reading " + prefix + membership.id());
              }
              if (response.getKvs().isEmpty()
                  || response.getKvs().get(0).getCreateRevision() != membership.sequence()) {
                return Optional.<byte[]>empty();
              }
              return Optional.of(response.getKvs().get(0).getValue().getBytes());
            });
  }

  /** The data a watch event brought for {@code member}, if it is in the view; never a request. */
  @Override
  public Optional<byte[]> knownData(Membership member) {
    return Optional.ofNullable(dataOf.get(member));
  }

  @Override
  public CompletableFuture<Set<Membership>> members() {
    if (isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    return list()
        .handle(
            (response, error) -> {
              if (error != null) {
                return CompletableFuture.<Set<Membership>>failedFuture(
                    fatalOr(error, "listing the members of " + path));
              }
              return session.callOnEvents(
                  () -> {
                    if (isClosed()) {
                      throw session.closedException();
                    }
                    apply(response);
                    return (Set<Membership>) Collections.unmodifiableSortedSet(snapshot());
                  });
            })
        .thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    return watchers.watch(expected);
  }

  private RuntimeException fatalOr(Throwable error, String what) {
    if (isClosed()) {
      return session.closedException();
    }
    Throwable e = ErrorClassifier.unwrap(error);
    if (EtcdErrors.classify(e) == EtcdErrors.Kind.FATAL || !(e instanceof RuntimeException)) {
      return EtcdErrors.fatal(what, e);
    }
    return (RuntimeException) e;
  }

  /** The lease a member was made with was given up before the member could be handed out. */
  private static final class LeaseLostDuringJoin extends HaException {
    private static final long serialVersionUID = 1L;

    LeaseLostDuringJoin(long leaseId) {
      super(
          "etcd lease "
              + Long.toHexString(leaseId)
              + " was given up while a member was being made with it");
    }
  }

  /** The server closed a watch stream without an error: worth resuming, like any broken stream. */
  private static final class WatchEndedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WatchEndedException(String message) {
      super(message);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /**
   * The store revision the view is as of; -1 before the first listing. For diagnostics and tests.
   */
  long revision() {
    return revision;
  }

  /**
   * How many times the group listed its prefix to (re)start following it. For diagnostics and
   * tests.
   */
  int listings() {
    return listings.get();
  }

  @Override
  public String toString() {
    return "EtcdGroup[" + path + ", revision " + revision + "]";
  }
}
