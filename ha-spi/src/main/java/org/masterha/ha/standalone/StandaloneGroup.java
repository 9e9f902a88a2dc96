package org.masterha.ha.standalone;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.masterha.ha.error.SessionClosedException;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.spi.GroupWatchers;
import org.masterha.ha.spi.MemberLabels;
import org.masterha.ha.spi.SharedDetection;

/** One session's view of one path of the in-memory store. */
final class StandaloneGroup implements Group, SharedDetection.Shared {
  private final StandaloneSession session;
  private final InMemoryStore store;
  private final String path;
  private final GroupWatchers watchers = new GroupWatchers();

  /** The one detection of this group that every detector and candidacy of the session shares. */
  private final Supplier<SharedDetection> detection =
      SharedDetection.lazily(this, this::sessionTimeout);

  StandaloneGroup(StandaloneSession session, InMemoryStore store, String path) {
    this.session = session;
    this.store = store;
    this.path = path;
    store.execute(() -> store.listen(path, this));
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

  void deliver(Set<Membership> listing) {
    // The event thread orders listings after the joins that precede them.
    watchers.update(listing, Long.MAX_VALUE);
  }

  GroupWatchers watchers() {
    return watchers;
  }

  @Override
  public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
    return MemberLabels.checked(label, () -> add(data, label));
  }

  private CompletableFuture<Membership> add(byte[] data, Optional<String> label) {
    CompletableFuture<Membership> f = new CompletableFuture<>();
    byte[] copy = data.clone();
    store.execute(
        () -> {
          if (session.isClosed()) {
            f.completeExceptionally(
                new SessionClosedException("session " + session.sessionId() + " is closed"));
            return;
          }
          Membership m = store.add(path, label, copy, session, new CompletableFuture<>());
          watchers.owned(m);
          f.complete(m);
          store.notifyChanged(path);
        });
    return f;
  }

  @Override
  public CompletableFuture<Boolean> cancel(Membership membership) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    store.execute(
        () -> {
          if (session.isClosed()) {
            f.completeExceptionally(
                new SessionClosedException("session " + session.sessionId() + " is closed"));
            return;
          }
          boolean removed = watchers.isOwned(membership) && store.remove(path, membership, session);
          if (removed) {
            watchers.cancelledByUs(membership);
            store.notifyChanged(path);
          }
          f.complete(removed);
        });
    return f;
  }

  @Override
  public CompletableFuture<Optional<byte[]>> data(Membership membership) {
    CompletableFuture<Optional<byte[]>> f = new CompletableFuture<>();
    store.execute(() -> f.complete(store.data(path, membership)));
    return f;
  }

  @Override
  public CompletableFuture<Set<Membership>> members() {
    CompletableFuture<Set<Membership>> f = new CompletableFuture<>();
    store.execute(
        () -> {
          if (session.isClosed()) {
            f.completeExceptionally(
                new SessionClosedException("session " + session.sessionId() + " is closed"));
          } else {
            f.complete(store.listing(path));
          }
        });
    return f;
  }

  @Override
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    return watchers.watch(expected);
  }
}
