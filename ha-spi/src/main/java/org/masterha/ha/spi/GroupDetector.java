package org.masterha.ha.spi;

import org.masterha.ha.leader.Leader;
import org.masterha.ha.leader.Detector;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detector every backend gets: it follows the group's member set with {@code watch}, passing the set it
 * last saw so no change is missed, and applies Mesos' leader rule to each new set.
 *
 * <p>States: idle until the first {@link #detect}, then following, then closed or failed. It keeps the highest
 * epoch it has reported and never reports a lower one, so a lagging view can't make it go back in time.
 */
public final class GroupDetector implements Detector {
  private static final Logger log = LoggerFactory.getLogger(GroupDetector.class);

  private final Group group;
  private final Object lock = new Object();
  private final Set<Membership> warned = ConcurrentHashMap.newKeySet();
  private final List<Pending> pending = new ArrayList<>();
  private boolean started;
  private boolean closed;
  private Throwable failure;
  /** null until the first listing has been evaluated. */
  private Optional<Leader> current;
  private long highestEpoch = -1;

  private record Pending(Optional<Leader> previous, CompletableFuture<Optional<Leader>> future) {}

  public GroupDetector(Group group) {
    this.group = group;
  }

  @Override
  public CompletableFuture<Optional<Leader>> detect(Optional<Leader> previous) {
    CompletableFuture<Optional<Leader>> f = new CompletableFuture<>();
    boolean start = false;
    Optional<Leader> answer = null;
    synchronized (lock) {
      if (closed) {
        f.completeExceptionally(new CancellationException("detector closed"));
        return f;
      }
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      if (current != null && !current.equals(previous)) {
        answer = current;
      } else {
        pending.add(new Pending(previous, f));
      }
      if (!started) {
        started = true;
        start = true;
      }
    }
    if (answer != null) {
      f.complete(answer);
    }
    if (start) {
      group.members().whenComplete(this::onMembers);
    }
    return f;
  }

  private void onMembers(Set<Membership> members, Throwable error) {
    if (error != null) {
      fail(error);
      return;
    }
    if (isClosed()) {
      return;
    }
    LeaderRule.leader(group, members, warned).whenComplete((outcome, e) -> {
      if (e != null) {
        fail(e);
        return;
      }
      // A stale "no leader" is never published: it may be false (a newer member may lead), and a master that
      // leads and detects no leader exits. The listing changed, so the watch below answers at once.
      if (!outcome.stale()) {
        publish(outcome.leader());
      }
      if (!isClosed()) {
        group.watch(members).whenComplete(this::onMembers);
      }
    });
  }

  private void publish(Optional<Leader> leader) {
    List<Pending> ready = new ArrayList<>();
    synchronized (lock) {
      if (leader.isPresent() && leader.get().epoch() < highestEpoch) {
        log.warn("Ignoring {} in {}: epoch {} is older than epoch {} already reported", leader.get(), group.path(),
            leader.get().epoch(), highestEpoch);
        return;
      }
      if (leader.equals(current)) {
        return;
      }
      current = leader;
      leader.ifPresent(l -> highestEpoch = l.epoch());
      pending.removeIf(p -> {
        if (!p.previous.equals(leader)) {
          ready.add(p);
          return true;
        }
        return false;
      });
    }
    ready.forEach(p -> p.future.complete(leader));
  }

  private void fail(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    List<Pending> failed;
    synchronized (lock) {
      if (closed || failure != null) {
        return;
      }
      failure = cause;
      failed = new ArrayList<>(pending);
      pending.clear();
    }
    log.error("Leader detection on {} failed: {}", group.path(), cause.toString());
    failed.forEach(p -> p.future.completeExceptionally(cause));
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed || failure != null;
    }
  }

  @Override
  public void close() {
    List<Pending> cancelled;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      cancelled = new ArrayList<>(pending);
      pending.clear();
    }
    cancelled.forEach(p -> p.future.completeExceptionally(new CancellationException("detector closed")));
  }
}
