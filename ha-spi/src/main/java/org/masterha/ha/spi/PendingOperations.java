package org.masterha.ha.spi;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The futures a session handed to callers and has not completed yet. Closing the session fails
 * every one of them, and any tracked afterwards at once, so no caller waits forever on a session
 * that is gone.
 */
public final class PendingOperations {
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile RuntimeException closedBy;

  /** A new future, tracked until it completes. */
  public <T> CompletableFuture<T> track() {
    return track(new CompletableFuture<>());
  }

  /** Tracks {@code f} until it completes; fails it at once if closed. Any thread. */
  public <T> CompletableFuture<T> track(CompletableFuture<T> f) {
    // Added before closedBy is read, and close() sets closedBy before it reads the set: either
    // close() sees f,
    // or f sees closedBy.
    pending.add(f);
    f.whenComplete((v, e) -> pending.remove(f));
    RuntimeException closed = closedBy;
    if (closed != null) {
      f.completeExceptionally(closed);
    }
    return f;
  }

  /**
   * Fails every future tracked now with {@code cause}; futures tracked later are tracked as usual.
   */
  public void failAll(RuntimeException cause) {
    for (CompletableFuture<?> f : List.copyOf(pending)) {
      f.completeExceptionally(cause);
    }
  }

  /** Fails every future tracked now, and every one tracked from now on, with {@code cause}. */
  public void close(RuntimeException cause) {
    if (closedBy == null) {
      closedBy = cause;
    }
    failAll(closedBy);
  }

  public boolean isClosed() {
    return closedBy != null;
  }

  /** How many are under way; for tests and diagnostics. */
  public int size() {
    return pending.size();
  }
}
