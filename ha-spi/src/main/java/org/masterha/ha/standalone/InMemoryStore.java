package org.masterha.ha.standalone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.masterha.ha.group.Membership;

/**
 * The standalone backend's store: members by path, with a sequence counter per path that never goes back.
 * Every operation and notification runs on one event thread, in order, as ZooKeeper's client delivers them, so
 * a listing can never overtake the join that preceded it.
 */
final class InMemoryStore {
  private final String name;
  private final ExecutorService events;
  private final Map<String, PathState> paths = new HashMap<>();

  private static final class PathState {
    long nextSequence;
    final TreeMap<Long, Entry> members = new TreeMap<>();
    final List<StandaloneGroup> listeners = new ArrayList<>();
  }

  record Entry(Membership membership, byte[] data, StandaloneSession owner) {}

  InMemoryStore(String name) {
    this.name = name;
    this.events = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "standalone-store" + (name.isEmpty() ? "" : "-" + name));
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code task} on the event thread. */
  void execute(Runnable task) {
    events.execute(task);
  }

  // Everything below runs on the event thread only.

  void listen(String path, StandaloneGroup group) {
    state(path).listeners.add(group);
    group.deliver(listing(path));
  }

  void unlisten(String path, StandaloneGroup group) {
    state(path).listeners.remove(group);
  }

  Membership add(String path, Optional<String> label, byte[] data, StandaloneSession owner, java.util.concurrent.CompletableFuture<Boolean> cancelled) {
    PathState s = state(path);
    long seq = s.nextSequence++;
    String id = label.map(l -> l + "_").orElse("") + String.format("%010d", seq);
    Membership m = new Membership(id, seq, label, cancelled);
    s.members.put(seq, new Entry(m, data.clone(), owner));
    return m;
  }

  boolean remove(String path, Membership m, StandaloneSession requester) {
    PathState s = state(path);
    Entry e = s.members.get(m.sequence());
    if (e == null || !e.membership().equals(m) || (requester != null && e.owner() != requester)) {
      return false;
    }
    s.members.remove(m.sequence());
    return true;
  }

  /** Removes every member {@code owner} holds, in all paths; returns the paths that changed. */
  List<String> removeAll(StandaloneSession owner) {
    List<String> changed = new ArrayList<>();
    paths.forEach((path, s) -> {
      if (s.members.values().removeIf(e -> e.owner() == owner)) {
        changed.add(path);
      }
    });
    return changed;
  }

  Optional<byte[]> data(String path, Membership m) {
    Entry e = state(path).members.get(m.sequence());
    return e == null || !e.membership().equals(m) ? Optional.empty() : Optional.of(e.data().clone());
  }

  Set<Membership> listing(String path) {
    Set<Membership> set = new java.util.TreeSet<>();
    state(path).members.values().forEach(e -> set.add(e.membership()));
    return set;
  }

  void notifyChanged(String path) {
    Set<Membership> listing = listing(path);
    for (StandaloneGroup g : List.copyOf(state(path).listeners)) {
      g.deliver(listing);
    }
  }

  private PathState state(String path) {
    return paths.computeIfAbsent(path, p -> new PathState());
  }

  @Override
  public String toString() {
    return "InMemoryStore[" + name + "]";
  }
}
