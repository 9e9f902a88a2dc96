package org.masterha.ha.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Membership;

/**
 * The bookkeeping every backend's group needs, written once: the last member listing, the callers
 * waiting for it to change, and the memberships this session owns, whose {@code cancelled} futures
 * it completes.
 *
 * <p>A backend feeds it each complete, fresh listing with {@link #update}; that settles waiting
 * watches and notices when one of our own members has disappeared. Listings carry the store
 * revision they are as of, so a listing older than one of our joins cannot make that member look
 * lost.
 */
public final class GroupWatchers {
  private final Object lock = new Object();
  private SortedSet<Membership> current;
  private final List<Waiter> waiters = new ArrayList<>();
  private final Map<Membership, Membership> owned = new HashMap<>();
  private RuntimeException failure;

  private record Waiter(Set<Membership> expected, CompletableFuture<Set<Membership>> future) {}

  /** The last listing, or null before the first. */
  public Set<Membership> current() {
    synchronized (lock) {
      return current == null ? null : Collections.unmodifiableSortedSet(current);
    }
  }

  /**
   * Completes when the listing differs from {@code expected}; at once if the last listing already
   * does.
   */
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    CompletableFuture<Set<Membership>> f = new CompletableFuture<>();
    Set<Membership> snapshot = null;
    synchronized (lock) {
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      if (current != null && !current.equals(expected)) {
        snapshot = Collections.unmodifiableSortedSet(new TreeSet<>(current));
      } else {
        waiters.add(new Waiter(Set.copyOf(expected), f));
      }
    }
    if (snapshot != null) {
      f.complete(snapshot);
    }
    return f;
  }

  /** Registers a membership this session just created. */
  public void owned(Membership membership) {
    synchronized (lock) {
      owned.put(membership, membership);
    }
  }

  /** Whether the membership is one of ours that is still live. */
  public boolean isOwned(Membership membership) {
    synchronized (lock) {
      return owned.containsKey(membership);
    }
  }

  /** Whether this session owns any live membership here (one whose loss it must notice). */
  public boolean ownsAny() {
    synchronized (lock) {
      return !owned.isEmpty();
    }
  }

  /**
   * Our membership, with its live {@code cancelled} future, for one seen in a listing; null if not
   * ours.
   */
  public Membership ownedInstance(Membership membership) {
    synchronized (lock) {
      return owned.get(membership);
    }
  }

  /**
   * The safety net against ghost members: of the members the store says our <em>live</em> session
   * (lease, Consul session) holds, those this session does not track. A session must never hold a
   * member nobody here knows about (it would lead, or stand in line, for a process that believes it
   * does not), so the backend deletes each one at once, with a warning. The backend leaves out
   * members whose join is still in flight.
   */
  public List<Membership> strays(Collection<Membership> heldBySession) {
    synchronized (lock) {
      List<Membership> strays = new ArrayList<>();
      for (Membership m : heldBySession) {
        if (!owned.containsKey(m)) {
          strays.add(m);
        }
      }
      return strays;
    }
  }

  /** We cancelled it: completes its {@code cancelled} with true. */
  public void cancelledByUs(Membership membership) {
    Membership m;
    synchronized (lock) {
      m = owned.remove(membership);
    }
    if (m != null) {
      m.cancelled().complete(true);
    }
  }

  /** It is gone for another reason: completes its {@code cancelled} with false. */
  public void lost(Membership membership) {
    Membership m;
    synchronized (lock) {
      m = owned.remove(membership);
    }
    if (m != null) {
      m.cancelled().complete(false);
    }
  }

  /** The session is expired or can no longer be trusted: all our memberships are lost. */
  public List<Membership> lostAll() {
    List<Membership> gone;
    synchronized (lock) {
      gone = new ArrayList<>(owned.values());
      owned.clear();
    }
    gone.forEach(m -> m.cancelled().complete(false));
    return gone;
  }

  /**
   * A complete listing as of store revision {@code asOf}. Our memberships whose sequence is at most
   * {@code asOf} and that are missing were deleted by someone else: they complete {@code cancelled}
   * with false. Backends whose listings are ordered after their own creates (ZooKeeper's FIFO
   * session) pass {@link Long#MAX_VALUE}.
   */
  public void update(Set<Membership> listing, long asOf) {
    List<Waiter> ready = new ArrayList<>();
    List<Membership> vanished = new ArrayList<>();
    SortedSet<Membership> snapshot;
    synchronized (lock) {
      if (failure != null) {
        return;
      }
      current = new TreeSet<>(listing);
      snapshot = Collections.unmodifiableSortedSet(new TreeSet<>(listing));
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (!w.expected.equals(current)) {
          ready.add(w);
          it.remove();
        }
      }
      for (Iterator<Membership> it = owned.values().iterator(); it.hasNext(); ) {
        Membership m = it.next();
        if (m.sequence() <= asOf && !current.contains(m)) {
          vanished.add(m);
          it.remove();
        }
      }
    }
    vanished.forEach(m -> m.cancelled().complete(false));
    ready.forEach(w -> w.future.complete(snapshot));
  }

  /** Fails every waiting and future watch with {@code cause} (the session is gone for good). */
  public void fail(RuntimeException cause) {
    List<Waiter> failed;
    synchronized (lock) {
      if (failure != null) {
        return;
      }
      failure = cause;
      failed = new ArrayList<>(waiters);
      waiters.clear();
    }
    failed.forEach(w -> w.future.completeExceptionally(cause));
  }

  /** Closing cleanly: our memberships were deleted on purpose; watches fail with {@code cause}. */
  public void close(RuntimeException cause) {
    List<Membership> ours;
    synchronized (lock) {
      ours = new ArrayList<>(owned.values());
      owned.clear();
    }
    ours.forEach(m -> m.cancelled().complete(true));
    fail(cause);
  }
}
