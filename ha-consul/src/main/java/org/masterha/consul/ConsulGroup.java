package org.masterha.consul;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.async.ConsulResponseCallback;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.ImmutableOperation;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.option.ConsistencyMode;
import org.kiwiproject.consul.option.ImmutablePutOptions;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.ImmutableTransactionOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.masterha.ha.error.SessionClosedException;
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
 * A group under one key prefix: members are the keys directly under {@code <prefix>/} that a
 * session holds (deeper keys, such as the {@code log_replicas} group's under the base group, are
 * not members of it). A member's sequence is its key's CreateIndex, which Consul's Raft log makes
 * unique and increasing.
 *
 * <p>From its creation until the client closes, the group follows its prefix with consistent
 * blocking queries (index + wait), feeding each listing, with the X-Consul-Index it is as of, to
 * {@link GroupWatchers}; that settles watches and notices our members that someone else deleted. An
 * index that goes backwards (a server restored from a snapshot, a new cluster) resets the watch to
 * a fresh listing, as Consul's documentation asks.
 */
final class ConsulGroup implements Group, SharedDetection.Shared, KnownData {
  private static final Logger log = LoggerFactory.getLogger(ConsulGroup.class);
  private static final QueryOptions CONSISTENT =
      ImmutableQueryOptions.builder().consistencyMode(ConsistencyMode.CONSISTENT).build();

  private final ConsulSession session;
  private final ConsulSettings settings;
  private final KeyValueClient kv;
  private final String path;

  /**
   * e.g. {@code mesos/}: Consul keys have no leading slash; the trailing one keeps {@code mesos2/}
   * out.
   */
  private final String prefix;

  private final GroupWatchers watchers = new GroupWatchers();

  /** The one detection of this group that every detector and candidacy of the session shares. */
  private final Supplier<SharedDetection> detection =
      SharedDetection.lazily(this, this::sessionTimeout);

  /** The Consul session each of our live members is held by. */
  private final Map<Membership, String> holders = new ConcurrentHashMap<>();

  /** Our members whose deletion we asked for: when our own watch sees them go, that was us. */
  private final Set<Membership> cancelling = ConcurrentHashMap.newKeySet();

  /** Member names of joins under way: such a key of our session is not a stray yet. */
  private final Set<String> joining = ConcurrentHashMap.newKeySet();

  /** Strays whose delete is under way. */
  private final Set<String> sweeping = ConcurrentHashMap.newKeySet();

  /**
   * Members we cancelled, by name, with their sequence (CreateIndex): a listing may still show them
   * (it can be older than our delete), so they are no strays until a listing as of an index past
   * their creation no longer lists them.
   */
  private final Map<String, Long> released = new ConcurrentHashMap<>();

  private final Object feedLock = new Object();

  /**
   * The data of the members of the last listing fed, as the blocking query brought it: leader
   * detection reads none of them again. Replaced with each listing fed.
   */
  private volatile Map<Membership, byte[]> dataOf = Map.of();

  /**
   * The index of the last listing fed to the watchers; older ones are dropped. Guarded by feedLock.
   */
  private long fedIndex;

  private volatile boolean closed;
  private int watchFailures;

  ConsulGroup(ConsulSession session, String path, String prefix) {
    this.session = session;
    this.settings = session.settings();
    this.kv = session.consul().keyValueClient();
    this.path = path;
    this.prefix = prefix;
    poll(0);
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

  GroupWatchers watchers() {
    return watchers;
  }

  // ---- join

  @Override
  public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
    return MemberLabels.checked(
        label,
        () -> {
          CompletableFuture<Membership> result = session.pending().track();
          joinOnLiveSession(data.clone(), label, result, 0);
          return result;
        });
  }

  private void joinOnLiveSession(
      byte[] data, Optional<String> label, CompletableFuture<Membership> result, int attempt) {
    if (closed) {
      result.completeExceptionally(session.closedException());
      return;
    }
    session
        .live()
        .whenComplete(
            (inc, e) -> {
              if (e != null) {
                result.completeExceptionally(ErrorClassifier.unwrap(e));
              } else {
                String name = session.memberKeys().newName(label);
                joining.add(name);
                result.whenComplete((m, x) -> joining.remove(name));
                session.execute(() -> acquire(inc, name, data, label, result, attempt));
              }
            });
  }

  /**
   * Creates the member key {@code name} held by {@code inc}. Acquiring a key the session already
   * holds succeeds again, so after a failure whose outcome is unknown we retry with the same name;
   * a fresh session gets a fresh name, as the old session's key may still exist until the old
   * session is reaped.
   */
  private void acquire(
      ConsulSession.Incarnation inc,
      String name,
      byte[] data,
      Optional<String> label,
      CompletableFuture<Membership> result,
      int attempt) {
    if (result.isDone()) {
      return;
    }
    if (closed) {
      result.completeExceptionally(session.closedException());
      return;
    }
    String key = prefix + name;
    try {
      boolean acquired =
          kv.putValue(key, data, 0, ImmutablePutOptions.builder().acquire(inc.id).build());
      Optional<Value> created = acquired ? kv.getValue(key, CONSISTENT) : Optional.empty();
      if (created.isEmpty() || !created.get().getSession().equals(Optional.of(inc.id))) {
        // Not acquired (a clash of random names, or Consul dropped the session meanwhile): try a
        // new name on a
        // session that is live, after a pause that lets the renewal notice a lost session.
        log.debug("Could not acquire {} with session {}; trying again", key, inc.id);
        session.later(
            session.backoff(attempt), () -> joinOnLiveSession(data, label, result, attempt + 1));
        return;
      }
      Membership m =
          new Membership(
              name,
              created.get().getCreateIndex(),
              label,
              new CompletableFuture<>(),
              () -> session.trusts(inc));
      boolean registered =
          session.whileLive(
              inc,
              () -> {
                holders.put(m, inc.id);
                watchers.owned(m);
              });
      if (!registered) {
        // The session was lost while we created the key: the key goes with it; join again on the
        // next one.
        session.execute(() -> deleteQuietly(key));
        joinOnLiveSession(data, label, result, attempt + 1);
        return;
      }
      m.cancelled()
          .whenComplete(
              (ours, y) -> {
                holders.remove(m);
                if (Boolean.FALSE.equals(ours)) {
                  // Gone without our doing: perhaps the whole session is. Ask now rather than at
                  // the next renewal.
                  session.renewNow();
                }
              });
      result.complete(m);
    } catch (RuntimeException e) {
      if (ConsulFailures.sessionGone(e)) {
        session.sessionGone(
            inc, "Consul refused to acquire a key with it (" + e.getMessage() + ")");
        session.later(
            session.backoff(attempt), () -> joinOnLiveSession(data, label, result, attempt + 1));
      } else if (ConsulFailures.retryable(e)) {
        session.later(
            session.backoff(attempt),
            () -> {
              if (inc.lost) {
                joinOnLiveSession(data, label, result, attempt + 1);
              } else {
                acquire(inc, name, data, label, result, attempt + 1);
              }
            });
      } else {
        result.completeExceptionally(ConsulFailures.fatal(e, "create member key " + key, settings));
      }
    }
  }

  private void deleteQuietly(String key) {
    try {
      kv.deleteKey(key);
    } catch (RuntimeException e) {
      log.debug("Could not delete {}: {}", key, e.getMessage());
    }
  }

  // ---- cancel

  @Override
  public CompletableFuture<Boolean> cancel(Membership membership) {
    if (closed) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    String holder = holders.get(membership);
    if (holder == null || !watchers.isOwned(membership)) {
      log.debug("Not cancelling {} in {}: not one of our live members", membership, path);
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<Boolean> result = session.pending().track();
    cancelling.add(membership);
    result.whenComplete((x, e) -> cancelling.remove(membership));
    session.execute(() -> delete(membership, holder, result, 0));
    return result;
  }

  /**
   * Deletes the key in one transaction that first checks our session still holds it, so a key that
   * is gone, or that someone else's session now holds, is left alone and reported as not cancelled.
   */
  private void delete(Membership m, String holder, CompletableFuture<Boolean> result, int attempt) {
    if (closed) {
      result.completeExceptionally(session.closedException());
      return;
    }
    String key = prefix + m.id();
    try {
      kv.performTransaction(
          ImmutableTransactionOptions.builder().build(),
          ImmutableOperation.builder().verb("check-session").key(key).session(holder).build(),
          ImmutableOperation.builder().verb("delete").key(key).build());
      released.put(m.id(), m.sequence());
      watchers.cancelledByUs(m);
      result.complete(true);
    } catch (RuntimeException e) {
      if (ConsulFailures.code(e) == 409) {
        // Rolled back: not ours any more. If an earlier attempt's answer was lost, that attempt
        // deleted it.
        if (attempt > 0) {
          released.put(m.id(), m.sequence());
          watchers.cancelledByUs(m);
          result.complete(true);
        } else {
          log.debug(
              "Not cancelling {} in {}: our session no longer holds it ({})",
              m,
              path,
              e.getMessage());
          watchers.lost(m);
          result.complete(false);
        }
      } else if (ConsulFailures.retryable(e)) {
        session.later(session.backoff(attempt), () -> delete(m, holder, result, attempt + 1));
      } else {
        result.completeExceptionally(ConsulFailures.fatal(e, "delete member key " + key, settings));
      }
    }
  }

  // ---- reads

  @Override
  public CompletableFuture<Optional<byte[]>> data(Membership membership) {
    return retrying(
        "read member key " + prefix + membership.id(),
        () -> {
          Optional<Value> v = kv.getValue(prefix + membership.id(), CONSISTENT);
          // Same name but another CreateIndex would be another member; a key no session holds is no
          // member.
          if (v.isEmpty()
              || v.get().getCreateIndex() != membership.sequence()
              || v.get().getSession().isEmpty()) {
            return Optional.empty();
          }
          return Optional.of(v.get().getValueAsBytes().orElse(new byte[0]));
        });
  }

  /** The data the last listing fed brought for {@code member}; never a request. */
  @Override
  public Optional<byte[]> knownData(Membership member) {
    return Optional.ofNullable(dataOf.get(member));
  }

  @Override
  public CompletableFuture<Set<Membership>> members() {
    return retrying(
        "list " + prefix,
        () -> {
          ConsulResponse<List<Value>> r = kv.getConsulResponseWithValues(prefix, CONSISTENT);
          Listing listing = parse(r.getResponse());
          feed(listing, r.getIndex().longValue());
          return Collections.unmodifiableSortedSet(listing.members());
        });
  }

  @Override
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    return watchers.watch(expected);
  }

  /** Runs a read on the I/O pool, retrying what may succeed later. */
  private <T> CompletableFuture<T> retrying(String doing, Supplier<T> read) {
    return session
        .pending()
        .track(
            session
                .retrier()
                .failingWith((what, e) -> ConsulFailures.fatal(e, what, settings))
                .retry(doing, a -> CompletableFuture.supplyAsync(read, session.io())));
  }

  /** The members a listing shows, and those of them our live session holds. */
  private record Listing(
      SortedSet<Membership> members, List<Membership> heldByUs, Map<Membership, byte[]> data) {}

  /** Our members: the keys directly under the prefix that a session holds. */
  private Listing parse(List<Value> values) {
    SortedSet<Membership> members = new TreeSet<>();
    List<Membership> heldByUs = new java.util.ArrayList<>();
    Map<Membership, byte[]> data = new java.util.HashMap<>();
    if (values == null) {
      return new Listing(members, heldByUs, data); // 404: nothing under the prefix
    }
    Optional<String> ours = session.liveId();
    for (Value v : values) {
      String key = v.getKey();
      if (!key.startsWith(prefix)) {
        continue;
      }
      String name = key.substring(prefix.length());
      if (name.isEmpty() || name.indexOf('/') >= 0 || v.getSession().isEmpty()) {
        continue;
      }
      Membership m = new Membership(name, v.getCreateIndex(), MemberKeys.labelOf(name));
      members.add(m);
      data.put(m, v.getValueAsBytes().orElse(new byte[0]));
      if (ours.isPresent()
          && v.getSession().equals(ours)
          && !joining.contains(name)
          && !sweeping.contains(name)
          && !released.containsKey(name)) {
        heldByUs.add(m);
      }
    }
    return new Listing(members, heldByUs, data);
  }

  /**
   * The safety net: a key our live session holds that no membership of ours stands on (and no join
   * under way is making) is deleted at once, with a warning. A session never holds a member it does
   * not know about.
   */
  private void sweep(List<Membership> heldByUs, String holder) {
    for (Membership stray : watchers.strays(heldByUs)) {
      if (!sweeping.add(stray.id())) {
        continue;
      }
      String key = prefix + stray.id();
      log.warn(
          "Deleting member {}: this client's live Consul session {} holds it but no membership of this client stands on it;"
              + " a session never holds a member it does not know about",
          key,
          holder);
      session.execute(
          () -> {
            try {
              kv.performTransaction(
                  ImmutableTransactionOptions.builder().build(),
                  ImmutableOperation.builder()
                      .verb("check-session")
                      .key(key)
                      .session(holder)
                      .build(),
                  ImmutableOperation.builder().verb("delete").key(key).build());
            } catch (RuntimeException e) {
              log.warn("Could not delete stray member {}: {}", key, e.getMessage());
            } finally {
              sweeping.remove(stray.id());
            }
          });
    }
  }

  /** Hands a fresh listing to the watchers unless one as of a later index got there first. */
  private void feed(Listing listing, long index) {
    synchronized (feedLock) {
      if (closed || index < fedIndex) {
        return;
      }
      fedIndex = index;
      for (Membership m : cancelling) {
        if (m.sequence() <= index && !listing.members().contains(m)) {
          watchers.cancelledByUs(m);
        }
      }
      dataOf = listing.data();
      watchers.update(listing.members(), index);
      released
          .entrySet()
          .removeIf(
              e ->
                  index >= e.getValue()
                      && listing.members().stream().noneMatch(m -> m.id().equals(e.getKey())));
      session.liveId().ifPresent(holder -> sweep(listing.heldByUs(), holder));
    }
  }

  // ---- the watch

  private void poll(long index) {
    if (closed) {
      return;
    }
    QueryOptions q =
        index <= 0
            ? CONSISTENT
            : QueryOptions.blockSeconds(
                    (int) settings.blockingWait().toSeconds(), BigInteger.valueOf(index))
                .consistencyMode(ConsistencyMode.CONSISTENT)
                .build();
    long started = System.nanoTime();
    try {
      kv.getValues(
          prefix,
          q,
          new ConsulResponseCallback<>() {
            @Override
            public void onComplete(ConsulResponse<List<Value>> response) {
              polled(index, started, response);
            }

            @Override
            public void onFailure(Throwable t) {
              pollFailed(index, t);
            }
          });
    } catch (RuntimeException e) {
      if (!closed && !session.isClosed()) {
        pollFailed(index, e);
      }
    }
  }

  private void polled(long index, long started, ConsulResponse<List<Value>> response) {
    if (closed) {
      return;
    }
    watchFailures = 0;
    long got = response.getIndex().longValue();
    if (got < index) {
      log.info(
          "Consul's index for {} went back from {} to {} (servers restored or replaced); listing afresh",
          prefix,
          index,
          got);
      synchronized (feedLock) {
        fedIndex = 0;
      }
      poll(0);
      return;
    }
    // Consul: an index below 1 must be treated as 1, or the next query would not block.
    long next = Math.max(1, got);
    feed(parse(response.getResponse()), next);
    if (got == index && System.nanoTime() - started < settings.blockingWait().toNanos() / 4) {
      // Woken early without a change; don't spin.
      session.later(Duration.ofMillis(100), () -> poll(next));
    } else {
      poll(next);
    }
  }

  private void pollFailed(long index, Throwable t) {
    if (closed || session.isClosed()) {
      return;
    }
    int failures = ++watchFailures;
    Throwable cause = ErrorClassifier.unwrap(t);
    if (!ConsulFailures.retryable(cause)) {
      // E.g. an ACL token that may not read the prefix: detection can't work, and a failed watch
      // says so.
      RuntimeException fatal = ConsulFailures.fatal(cause, "watch " + prefix, settings);
      log.error("Watch of {} failed: {}", prefix, fatal.getMessage());
      watchers.fail(fatal);
      return;
    }
    if (failures == 1 || failures % 50 == 0) {
      log.debug("Watch of {} failed ({}); retrying", prefix, cause.getMessage());
    }
    session.later(session.backoff(failures), () -> poll(index));
  }

  /** Stops feeding listings, so the deletions of a clean close don't look like losses. */
  void stopWatching() {
    synchronized (feedLock) {
      closed = true;
    }
  }

  void close(SessionClosedException cause) {
    stopWatching();
    watchers.close(cause);
  }
}
