package org.masterha.zookeeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.spi.GroupWatchers;
import org.masterha.ha.spi.MemberLabels;
import org.masterha.ha.spi.SharedDetection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members under one znode path, laid out as Mesos lays them out: each member is an ephemeral
 * sequential child {@code <label>_<sequence>} (or just {@code <sequence>}), the sequence ZooKeeper
 * appends is the membership's sequence, and parents are plain persistent znodes.
 *
 * <p>It keeps a watched listing of the path, re-read on every child change and every reconnection,
 * and feeds it to {@link GroupWatchers}; ZooKeeper answers one session's requests in order, so a
 * listing is never older than a create we already saw succeed. Everything here except the public
 * methods' entry runs on the session's event thread.
 *
 * <p>A create whose response is lost with the connection may or may not have happened. When the
 * same session reconnects, the join looks for a child with its label that it does not know yet,
 * whose ephemeral owner is this session and whose data is the data it wrote, and adopts it; only if
 * there is none does it create again. (ZooKeeper applies a session's requests in order, so by the
 * time the reconnected session's listing is answered, a create sent before the disconnection has
 * been applied or never will be.) If the session expired meanwhile, whatever it created is gone
 * with it and the join simply creates in the new session.
 */
final class ZooKeeperGroup implements Group, SharedDetection.Shared {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperGroup.class);

  private final ZooKeeperSession session;
  private final String path;
  private final GroupWatchers watchers = new GroupWatchers();

  /** The one detection of this group that every detector and candidacy of the session shares. */
  private final Supplier<SharedDetection> detection =
      SharedDetection.lazily(this, this::sessionTimeout);

  /** One watcher instance, so ZooKeeper keeps a single registration however often we re-list. */
  private final CuratorWatcher childWatcher = this::onWatchedEvent;

  // Event-thread-only state.
  private boolean listing;
  private boolean relistWanted;
  private boolean pathEnsured;

  /** Names of members this group created or adopted in the current session: never adopted twice. */
  private final Set<String> created = new HashSet<>();

  /**
   * Members we declared lost that may still exist, by name, with the session that owns them: hidden
   * from our listings and deleted as soon as we are connected again (to the same session after our
   * deadline passed, or to a new one after Curator gave the old session up while the servers may
   * have kept it).
   */
  private final Map<String, Long> doomed = new HashMap<>();

  /**
   * Our members with a delete in progress: still shown until it settles, so a lost reply can't make
   * them "lost".
   */
  private final Set<Membership> cancelling = new HashSet<>();

  private boolean closed;

  /**
   * Joins under way (any thread): while one is, a member of our session we do not track yet may be
   * its own.
   */
  private final AtomicInteger joinsInFlight = new AtomicInteger();

  private final AtomicLong joinsBegun = new AtomicLong();
  private boolean ephemeralsUnsupported;

  ZooKeeperGroup(ZooKeeperSession session, String path) {
    this.session = session;
    this.path = path;
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

  // ---- lifecycle, driven by the session (event thread) ----

  void start() {
    relist();
  }

  void onConnected() {
    relist();
    sweep();
  }

  /**
   * The session {@code sid} expired, or Curator gave it up: its members are lost. When the servers
   * expired it they are gone already; when Curator gave up first, the servers may still hold it, so
   * they are doomed like members lost to the deadline. Returns how many memberships were lost.
   */
  int onSessionExpired(long sid) {
    List<Membership> lost = watchers.lostAll();
    created.clear();
    cancelling.clear();
    doom(lost, sid);
    return lost.size();
  }

  /**
   * Our deadline passed without an answer from the servers: they may expire the session any moment,
   * so our members are lost now. They may still exist (the session may yet reconnect): hide them
   * and delete them as soon as we can, so none of them goes on leading after we said it was lost.
   */
  int onDeadlinePassed(long sid) {
    List<Membership> lost = watchers.lostAll();
    cancelling.removeAll(lost);
    doom(lost, sid);
    return lost.size();
  }

  private void doom(List<Membership> lost, long sid) {
    for (Membership m : lost) {
      if (doomed.putIfAbsent(m.id(), sid) == null) {
        session.retry(new DeleteDoomed(m.id(), sid));
      }
    }
    hideFromListing(lost);
  }

  /**
   * A member some session of ours created but no membership of ours stands on: delete it while that
   * session holds it.
   */
  private void doomOrphan(String name, long owner) {
    MemberName.parse(name)
        .ifPresent(
            m -> {
              if (doomed.putIfAbsent(name, owner) == null) {
                session.retry(new DeleteDoomed(name, owner));
              }
              hideFromListing(List.of(m));
            });
  }

  void onFailed(RuntimeException cause) {
    watchers.lostAll();
    watchers.fail(cause);
    closed = true;
  }

  void onClosed(RuntimeException cause) {
    watchers.close(cause);
    closed = true;
  }

  private void forget(String doomedName) {
    doomed.remove(doomedName);
    created.remove(doomedName);
  }

  private void hideFromListing(Collection<Membership> gone) {
    Set<Membership> current = watchers.current();
    if (current == null || gone.isEmpty()) {
      return;
    }
    SortedSet<Membership> shown = new TreeSet<>(current);
    shown.removeAll(gone);
    watchers.update(shown, Long.MAX_VALUE);
  }

  /**
   * Whether this group has members of ours, or joins under way, whose loss the session's deadline
   * must notice (any thread).
   */
  boolean holdsMembers() {
    return joinsInFlight.get() != 0 || watchers.ownsAny();
  }

  // ---- the watched listing ----

  private void onWatchedEvent(WatchedEvent event) {
    if (event.getType() == Watcher.Event.EventType.None) {
      return; // connection events reach the session's listener
    }
    session.events().execute(this::relist);
  }

  private void relist() {
    if (closed) {
      return;
    }
    if (listing) {
      relistWanted = true;
      return;
    }
    listing = true;
    session.retry(
        new Attempt("list " + path) {
          @Override
          public void run() {
            long sid = session.currentSessionId();
            long sentAt = System.nanoTime();
            issue(
                () ->
                    session
                        .client()
                        .getChildren()
                        .usingWatcher(childWatcher)
                        .inBackground(
                            callback(e -> onListing(e, this, sid, sentAt)), session.events())
                        .forPath(path));
          }

          @Override
          void failed(RuntimeException cause) {
            listing = false;
            watchers.fail(cause);
          }
        });
  }

  private void onListing(CuratorEvent e, Attempt attempt, long sid, long sentAt) {
    int rc = e.getResultCode();
    if (KeeperCodes.isRetryable(rc)) {
      session.retry(attempt);
      return;
    }
    listing = false;
    if (rc == Code.OK.intValue()) {
      session.confirm(sid, sentAt);
      deliver(e.getChildren());
    } else if (rc == Code.NONODE.intValue()) {
      session.confirm(sid, sentAt);
      if (!pathEnsured) {
        // Mesos creates the base path when it is missing; so do we, once, then list again.
        pathEnsured = true;
        ensurePath(created -> relist());
        return;
      }
      watchForCreation();
    } else {
      attempt.abort(
          KeeperCodes.failure("list the members of " + path, rc, session.settings().user()));
      return;
    }
    if (relistWanted) {
      relistWanted = false;
      relist();
    }
  }

  /**
   * The path is missing and we could not create it: no members until someone does; a watch tells us
   * when.
   */
  private void watchForCreation() {
    deliver(List.of());
    listing = true;
    session.retry(
        new Attempt("watch for " + path) {
          @Override
          public void run() {
            issue(
                () ->
                    session
                        .client()
                        .checkExists()
                        .usingWatcher(childWatcher)
                        .inBackground(
                            callback(
                                e -> {
                                  int rc = e.getResultCode();
                                  if (KeeperCodes.isRetryable(rc)) {
                                    session.retry(this);
                                    return;
                                  }
                                  listing = false;
                                  if (rc == Code.OK.intValue() || relistWanted) {
                                    relistWanted = false;
                                    relist(); // it appeared meanwhile
                                  }
                                }),
                            session.events())
                        .forPath(path));
          }

          @Override
          void failed(RuntimeException cause) {
            listing = false;
            watchers.fail(cause);
          }
        });
  }

  private Set<Membership> deliver(Collection<String> children) {
    SortedSet<Membership> members = parse(children);
    // Forget names that can no longer be mistaken for an orphan of ours: gone, and neither ours nor
    // doomed.
    Set<String> present = new HashSet<>(children);
    created.removeIf(
        name ->
            !present.contains(name)
                && !doomed.containsKey(name)
                && MemberName.parse(name).map(m -> !watchers.isOwned(m)).orElse(true));
    // A member whose delete is in flight stays until the delete settles (see cancel).
    SortedSet<Membership> shown = new TreeSet<>(members);
    shown.addAll(cancelling);
    watchers.update(shown, Long.MAX_VALUE);
    return members;
  }

  private SortedSet<Membership> parse(Collection<String> children) {
    SortedSet<Membership> members = new TreeSet<>();
    for (String child : children) {
      MemberName.parse(child).filter(m -> !doomed.containsKey(m.id())).ifPresent(members::add);
    }
    return members;
  }

  /**
   * Creates the group's path and its parents as plain persistent znodes, as Mesos does; {@code
   * then} gets null when the path exists now, else why it could not be created.
   */
  private void ensurePath(Consumer<RuntimeException> then) {
    session.retry(
        new Attempt("create " + path) {
          @Override
          public void run() {
            issue(
                () ->
                    session
                        .client()
                        .create()
                        .creatingParentsIfNeeded()
                        .withMode(CreateMode.PERSISTENT)
                        .inBackground(
                            callback(
                                e -> {
                                  int rc = e.getResultCode();
                                  if (KeeperCodes.isRetryable(rc)) {
                                    session.retry(this);
                                  } else if (rc == Code.OK.intValue()
                                      || rc == Code.NODEEXISTS.intValue()) {
                                    then.accept(null);
                                  } else {
                                    RuntimeException why =
                                        KeeperCodes.failure(
                                            "create " + path, rc, session.settings().user());
                                    log.warn("{}", why.getMessage());
                                    then.accept(why);
                                  }
                                }),
                            session.events())
                        .forPath(path));
          }

          @Override
          void failed(RuntimeException cause) {
            then.accept(cause);
          }
        });
  }

  // ---- Group ----

  @Override
  public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
    return MemberLabels.checked(label, () -> joinChecked(data, label));
  }

  private CompletableFuture<Membership> joinChecked(byte[] data, Optional<String> label) {
    CompletableFuture<Membership> f = session.track();
    if (!f.isDone()) {
      joinsBegun.incrementAndGet();
      joinsInFlight.incrementAndGet();
      f.whenComplete(
          (m, e) -> {
            if (joinsInFlight.decrementAndGet() == 0) {
              session.events().execute(this::sweep);
            }
          });
      session.submit(new Join(data.clone(), label, f));
    }
    return f;
  }

  // ---- the safety net: a session never holds a member nobody here tracks ----

  /**
   * Asks the servers which members of this path our session owns ({@code getEphemerals}) and
   * deletes any that no membership of ours stands on. Runs after every connection and after the
   * last join under way ends; it decides nothing while a join is under way, since that join's
   * member may not be tracked yet.
   */
  private void sweep() {
    if (closed
        || ephemeralsUnsupported
        || joinsInFlight.get() != 0
        || session.currentSessionId() == 0
        || session.isExpired()) {
      return;
    }
    long sid = session.currentSessionId();
    long begun = joinsBegun.get();
    org.apache.zookeeper.ZooKeeper zk;
    try {
      zk = session.client().getZookeeperClient().getZooKeeper();
    } catch (Exception e) {
      return;
    }
    if (zk == null || zk.getSessionId() != sid) {
      return; // a new session is being set up; its connection sweeps again
    }
    try {
      // A prefix, not a path: it also matches siblings such as <path>2, which onEphemerals leaves
      // out.
      zk.getEphemerals(
          path,
          (rc, ctx, paths) -> session.events().execute(() -> onEphemerals(rc, paths, sid, begun)),
          null);
    } catch (RuntimeException e) {
      log.debug("Could not ask for the ephemeral members of {}: {}", path, e.toString());
    }
  }

  private void onEphemerals(int rc, List<String> paths, long sid, long begun) {
    if (rc == Code.UNIMPLEMENTED.intValue()) {
      ephemeralsUnsupported = true;
      log.info(
          "The ZooKeeper servers do not support getEphemerals (before 3.6): no check for members this client does not track");
      return;
    }
    if (rc != Code.OK.intValue()
        || closed
        || sid != session.currentSessionId()
        || session.isExpired()
        || joinsInFlight.get() != 0
        || joinsBegun.get() != begun) {
      return; // the next connection or join checks again
    }
    List<Membership> held = new ArrayList<>();
    for (String p : paths) {
      ZKPaths.PathAndNode pn = ZKPaths.getPathAndNode(p);
      if (pn.getPath().equals(path) && !doomed.containsKey(pn.getNode())) {
        MemberName.parse(pn.getNode()).ifPresent(held::add);
      }
    }
    for (Membership stray : watchers.strays(held)) {
      log.warn(
          "Deleting member {} of {}: this client's live ZooKeeper session 0x{} holds it but no membership of this client"
              + " stands on it (a create whose answer went astray); a session never holds a member it does not know about",
          stray.id(),
          path,
          Long.toHexString(sid));
      doomOrphan(stray.id(), sid);
    }
  }

  /** Creates one member; see the class comment for a create whose response was lost. */
  private final class Join extends Attempt {
    private final byte[] data;
    private final Optional<String> label;
    private final CompletableFuture<Membership> result;

    /** The session in which a create's outcome is unknown; 0 when none is. */
    private long unknownIn;

    Join(byte[] data, Optional<String> label, CompletableFuture<Membership> result) {
      super("join " + path);
      this.data = data;
      this.label = label;
      this.result = result;
    }

    @Override
    public void run() {
      if (result.isDone()) {
        return;
      }
      if (unknownIn != 0 && unknownIn == session.currentSessionId()) {
        findOrphan();
      } else {
        unknownIn = 0;
        create();
      }
    }

    private void create() {
      long sid = session.currentSessionId();
      long sentAt = System.nanoTime();
      // create2: the answer carries the new znode's Stat, whose ephemeral owner is the session that
      // really ran
      // the create. That is not always the one current when we sent it: Curator holds a request
      // while it
      // reconnects, and if the old session expired meanwhile the create runs on the new one.
      Stat stat = new Stat();
      issue(
          () ->
              session
                  .client()
                  .create()
                  .storingStatIn(stat)
                  .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                  .inBackground(
                      callback(
                          e -> onCreated(e, sid, sentAt, e.getStat() != null ? e.getStat() : stat)),
                      session.events())
                  .forPath(path + "/" + MemberName.prefix(label), data));
    }

    private void onCreated(CuratorEvent e, long sid, long sentAt, Stat stat) {
      int rc = e.getResultCode();
      if (rc == Code.OK.intValue()) {
        session.confirm(sid, sentAt);
        String name = ZKPaths.getNodeFromPath(e.getName());
        long owner = stat.getEphemeralOwner();
        if (owner == 0) {
          abort(
              new org.masterha.ha.error.HaException(
                  "ZooKeeper created member "
                      + name
                      + " in "
                      + path
                      + " but did not say which session owns it (a server older than 3.5 has no create2); it cannot be tracked safely"));
          return;
        }
        adopt(name, owner);
      } else if (KeeperCodes.isOutcomeUnknown(rc)) {
        unknownIn = sid;
        session.retry(this);
      } else if (KeeperCodes.isRetryable(rc)) {
        // SESSIONMOVED: not applied; SESSIONEXPIRED: whatever was applied went with the session.
        session.retry(this);
      } else if (rc == Code.NONODE.intValue()) {
        // Someone deleted the group's path; Mesos recreates the parents of a member as it creates
        // it.
        ensurePath(
            why -> {
              if (why == null) {
                session.retry(this);
              } else {
                abort(why);
              }
            });
      } else {
        abort(KeeperCodes.failure("create a member in " + path, rc, session.settings().user()));
      }
    }

    private void findOrphan() {
      long sid = session.currentSessionId();
      issue(
          () ->
              session
                  .client()
                  .getChildren()
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(this);
                            } else if (rc == Code.NONODE.intValue()) {
                              unknownIn = 0;
                              session.retry(this);
                            } else if (rc != Code.OK.intValue()) {
                              abort(
                                  KeeperCodes.failure(
                                      "list the members of " + path,
                                      rc,
                                      session.settings().user()));
                            } else {
                              List<Membership> candidates = new ArrayList<>();
                              for (String child : e.getChildren()) {
                                MemberName.parse(child)
                                    .filter(
                                        m -> m.label().equals(label) && !created.contains(m.id()))
                                    .ifPresent(candidates::add);
                              }
                              candidates.sort(
                                  Comparator.comparingLong(Membership::sequence).reversed());
                              checkCandidate(candidates, 0, sid);
                            }
                          }),
                      session.events())
                  .forPath(path));
    }

    private void checkCandidate(List<Membership> candidates, int i, long sid) {
      if (sid != session.currentSessionId()) {
        session.retry(this);
        return;
      }
      if (i == candidates.size()) {
        unknownIn = 0;
        create();
        return;
      }
      String name = candidates.get(i).id();
      issue(
          () ->
              session
                  .client()
                  .getData()
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(this);
                            } else if (rc == Code.OK.intValue()
                                && e.getStat() != null
                                && e.getStat().getEphemeralOwner() == sid
                                && Arrays.equals(e.getData(), data)
                                && !created.contains(name)
                                && sid == session.currentSessionId()) {
                              log.info(
                                  "Adopting member {} of {}: created by this session before its connection dropped",
                                  name,
                                  path);
                              unknownIn = 0;
                              adopt(name, sid);
                            } else {
                              checkCandidate(candidates, i + 1, sid);
                            }
                          }),
                      session.events())
                  .forPath(ZKPaths.makePath(path, name)));
    }

    /** {@code owner}: the session that owns the new znode, as the servers reported it. */
    private void adopt(String name, long owner) {
      if (owner != session.currentSessionId() || session.isExpired()) {
        // Owned by a session other than the one we are on: an old one (expired, or given up by
        // Curator while the
        // servers may still hold it), or a new one whose connection we have not processed yet.
        // Either way no
        // membership of ours may stand on it: delete it if that session still holds it, and create
        // again.
        log.warn(
            "Member {} of {} was created by session 0x{}, not by this client's current session 0x{}; deleting it and joining again",
            name,
            path,
            Long.toHexString(owner),
            Long.toHexString(session.currentSessionId()));
        doomOrphan(name, owner);
        session.retry(this);
        return;
      }
      Optional<Membership> parsed = MemberName.parse(name);
      if (parsed.isEmpty()) {
        abort(
            new org.masterha.ha.error.HaException(
                "ZooKeeper created member "
                    + name
                    + " in "
                    + path
                    + ", which is not a sequential member name"));
        return;
      }
      created.add(name);
      Membership m =
          new Membership(
              name,
              parsed.get().sequence(),
              label,
              new CompletableFuture<>(),
              () -> session.trusts(owner));
      watchers.owned(m);
      if (!result.complete(m)) {
        // The caller gave up on this join (or the session closed): nobody will ever cancel it, so
        // we do.
        cancel(m);
      }
    }

    @Override
    void failed(RuntimeException cause) {
      result.completeExceptionally(cause);
    }
  }

  @Override
  public CompletableFuture<Boolean> cancel(Membership membership) {
    CompletableFuture<Boolean> f = session.track();
    if (!f.isDone()) {
      session.submit(new Cancel(membership, f));
    }
    return f;
  }

  private final class Cancel extends Attempt {
    private final Membership membership;
    private final CompletableFuture<Boolean> result;
    private boolean outcomeUnknown;

    Cancel(Membership membership, CompletableFuture<Boolean> result) {
      super("cancel " + membership.id() + " in " + path);
      this.membership = membership;
      this.result = result;
    }

    @Override
    public void run() {
      if (!watchers.isOwned(membership)) {
        // Not ours, already cancelled, or lost (expiry, deadline) meanwhile.
        settle(false);
        return;
      }
      cancelling.add(membership);
      long sid = session.currentSessionId();
      long sentAt = System.nanoTime();
      issue(
          () ->
              session
                  .client()
                  .delete()
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (rc == Code.OK.intValue()
                                || (rc == Code.NONODE.intValue() && outcomeUnknown)) {
                              // NONODE after a lost reply: our earlier delete went through (nobody
                              // else deletes our members).
                              session.confirm(sid, sentAt);
                              cancelling.remove(membership);
                              watchers.cancelledByUs(membership);
                              settle(true);
                              relist();
                            } else if (rc == Code.NONODE.intValue()) {
                              session.confirm(sid, sentAt);
                              cancelling.remove(membership);
                              watchers.lost(membership);
                              settle(false);
                              relist();
                            } else if (KeeperCodes.isRetryable(rc)) {
                              outcomeUnknown |= KeeperCodes.isOutcomeUnknown(rc);
                              session.retry(this);
                            } else {
                              cancelling.remove(membership);
                              abort(
                                  KeeperCodes.failure(
                                      "delete member " + membership.id() + " of " + path,
                                      rc,
                                      session.settings().user()));
                            }
                          }),
                      session.events())
                  .forPath(ZKPaths.makePath(path, membership.id())));
    }

    private void settle(boolean cancelled) {
      cancelling.remove(membership);
      result.complete(cancelled);
    }

    @Override
    void failed(RuntimeException cause) {
      cancelling.remove(membership);
      result.completeExceptionally(cause);
    }
  }

  /**
   * Deletes a member we declared lost, once we are connected again, if the session {@code owner}
   * still holds it (the servers delete it themselves when that session expires).
   */
  private final class DeleteDoomed extends Attempt {
    private final String name;
    private final long owner;

    DeleteDoomed(String name, long owner) {
      super("delete lost member " + name + " of " + path);
      this.name = name;
      this.owner = owner;
    }

    @Override
    public void run() {
      String member = ZKPaths.makePath(path, name);
      issue(
          () ->
              session
                  .client()
                  .checkExists()
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(this);
                            } else if (rc == Code.OK.intValue()
                                && e.getStat() != null
                                && e.getStat().getEphemeralOwner() == owner) {
                              delete(member, e.getStat().getVersion());
                            } else {
                              forget(
                                  name); // gone, or a different node of the same name (the path was
                              // recreated)
                            }
                          }),
                      session.events())
                  .forPath(member));
    }

    private void delete(String member, int version) {
      issue(
          () ->
              session
                  .client()
                  .delete()
                  .withVersion(version)
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(this);
                              return;
                            }
                            if (rc == Code.OK.intValue()) {
                              log.info(
                                  "Deleted member {} of {}, which this client had declared lost",
                                  name,
                                  path);
                            } else if (rc != Code.NONODE.intValue()) {
                              log.warn(
                                  "Could not delete member {} of {}, which this client declared lost: {}",
                                  name,
                                  path,
                                  KeeperCodes.name(rc));
                            }
                            forget(name);
                          }),
                      session.events())
                  .forPath(member));
    }

    @Override
    void failed(RuntimeException cause) {
      // Closing: the servers delete it with the session.
    }
  }

  @Override
  public CompletableFuture<Optional<byte[]>> data(Membership membership) {
    CompletableFuture<Optional<byte[]>> f = session.track();
    if (f.isDone()) {
      return f;
    }
    session.submit(
        new Attempt("read member " + membership.id() + " of " + path) {
          @Override
          public void run() {
            if (doomed.containsKey(membership.id())) {
              f.complete(Optional.empty());
              return;
            }
            long sid = session.currentSessionId();
            long sentAt = System.nanoTime();
            issue(
                () ->
                    session
                        .client()
                        .getData()
                        .inBackground(
                            callback(
                                e -> {
                                  int rc = e.getResultCode();
                                  if (KeeperCodes.isRetryable(rc)) {
                                    session.retry(this);
                                  } else if (rc == Code.OK.intValue()) {
                                    session.confirm(sid, sentAt);
                                    f.complete(
                                        Optional.of(
                                            e.getData() == null ? new byte[0] : e.getData()));
                                  } else if (rc == Code.NONODE.intValue()) {
                                    session.confirm(sid, sentAt);
                                    f.complete(Optional.empty());
                                  } else {
                                    abort(
                                        KeeperCodes.failure(
                                            "read member " + membership.id() + " of " + path,
                                            rc,
                                            session.settings().user()));
                                  }
                                }),
                            session.events())
                        .forPath(ZKPaths.makePath(path, membership.id())));
          }

          @Override
          void failed(RuntimeException cause) {
            f.completeExceptionally(cause);
          }
        });
    return f;
  }

  @Override
  public CompletableFuture<Set<Membership>> members() {
    CompletableFuture<Set<Membership>> f = session.track();
    if (f.isDone()) {
      return f;
    }
    session.submit(
        new Attempt("list the members of " + path) {
          @Override
          public void run() {
            long sid = session.currentSessionId();
            long sentAt = System.nanoTime();
            issue(
                () ->
                    session
                        .client()
                        .getChildren()
                        .inBackground(
                            callback(
                                e -> {
                                  int rc = e.getResultCode();
                                  if (KeeperCodes.isRetryable(rc)) {
                                    session.retry(this);
                                  } else if (rc == Code.OK.intValue()) {
                                    session.confirm(sid, sentAt);
                                    // As fresh as it gets: share it with the watchers too.
                                    f.complete(
                                        java.util.Collections.unmodifiableSortedSet(
                                            new TreeSet<>(deliver(e.getChildren()))));
                                  } else if (rc == Code.NONODE.intValue()) {
                                    session.confirm(sid, sentAt);
                                    f.complete(java.util.Collections.emptySortedSet());
                                  } else {
                                    abort(
                                        KeeperCodes.failure(
                                            "list the members of " + path,
                                            rc,
                                            session.settings().user()));
                                  }
                                }),
                            session.events())
                        .forPath(path));
          }

          @Override
          void failed(RuntimeException cause) {
            f.completeExceptionally(cause);
          }
        });
    return f;
  }

  @Override
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    return watchers.watch(expected);
  }

  @Override
  public String toString() {
    return "ZooKeeperGroup[" + path + "]";
  }

  // ---- plumbing ----

  /** A retryable request of this group. */
  private abstract class Attempt extends SessionAttempt {
    Attempt(String what) {
      super(ZooKeeperGroup.this.session, what);
    }
  }
}
