package org.masterha.ha.standalone;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.spi.DaemonThreads;
import org.masterha.ha.spi.StoreState;
import org.masterha.ha.state.Variable;

/**
 * The standalone backend's store: members by path, with a sequence counter per path that never goes
 * back. Every operation and notification runs on one event thread, in order, as ZooKeeper's client
 * delivers them, so a listing can never overtake the join that preceded it.
 */
final class InMemoryStore {
  private final String name;
  private final ExecutorService events;
  private final Map<String, PathState> paths = new HashMap<>();

  /** State variables by full key ({@code <base>/state/<name>}). */
  private final Map<String, StateFile.Entry> variables = new TreeMap<>();

  /**
   * Versions come from one counter, so a name expunged and created again never reuses a version.
   */
  private long nextVersion = 1;

  private StateFile stateFile;

  private static final class PathState {
    long nextSequence;
    final TreeMap<Long, Entry> members = new TreeMap<>();
    final List<StandaloneGroup> listeners = new ArrayList<>();
  }

  record Entry(Membership membership, byte[] data, StandaloneSession owner) {}

  InMemoryStore(String name) {
    this.name = name;
    this.events =
        Executors.newSingleThreadExecutor(
            DaemonThreads.named("standalone-store" + (name.isEmpty() ? "" : "-" + name)));
  }

  /** Runs {@code task} on the event thread. */
  void execute(Runnable task) {
    events.execute(task);
  }

  /** Runs {@code task} on the event thread; its result or exception completes the future. */
  <T> CompletableFuture<T> call(Supplier<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    events.execute(
        () -> {
          try {
            f.complete(task.get());
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    return f;
  }

  /**
   * Keeps the state variables in {@code file} from now on, loading what it holds; one file per
   * store.
   */
  synchronized void attachStateFile(Path file) {
    StateFile wanted = new StateFile(file);
    CompletableFuture<Void> done =
        call(
            () -> {
              if (stateFile != null) {
                if (!stateFile.path().equals(wanted.path())) {
                  throw new HaConfigException(
                      "this standalone store already keeps its state in "
                          + stateFile.path()
                          + "; it cannot also use "
                          + wanted.path());
                }
                return null;
              }
              StateFile.Contents contents = wanted.load();
              variables.clear();
              variables.putAll(contents.variables());
              nextVersion = Math.max(nextVersion, contents.nextVersion());
              stateFile = wanted;
              return null;
            });
    try {
      done.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  // Everything below runs on the event thread only.

  private static String stateKey(String basePath, String name) {
    return basePath + "/state/" + name;
  }

  private boolean fenceHolds(String basePath, Optional<Membership> fence) {
    return fence.isEmpty() || data(basePath, fence.get()).isPresent();
  }

  Variable fetchVariable(String basePath, String name) {
    StateFile.Entry e = variables.get(stateKey(basePath, name));
    return e == null ? Variable.absent(name) : new Variable(name, e.value(), e.version());
  }

  Optional<Variable> writeVariable(
      String basePath, String name, long expected, byte[] value, Optional<Membership> fence) {
    if (!fenceHolds(basePath, fence)) {
      throw StoreState.lost(name, fence.get(), "its member is gone from " + basePath);
    }
    String key = stateKey(basePath, name);
    StateFile.Entry e = variables.get(key);
    long actual = e == null ? 0 : e.version();
    if (actual != expected) {
      return Optional.empty();
    }
    StateFile.Entry next = new StateFile.Entry(value.clone(), nextVersion);
    commit(key, next);
    return Optional.of(new Variable(name, value, next.version()));
  }

  boolean deleteVariable(String basePath, String name, long expected, Optional<Membership> fence) {
    if (!fenceHolds(basePath, fence)) {
      throw StoreState.lost(name, fence.get(), "its member is gone from " + basePath);
    }
    String key = stateKey(basePath, name);
    StateFile.Entry e = variables.get(key);
    if (e == null || e.version() != expected) {
      return false;
    }
    commit(key, null);
    return true;
  }

  Set<String> variableNames(String basePath) {
    String prefix = basePath + "/state/";
    Set<String> names = new TreeSet<>();
    variables.keySet().stream()
        .filter(k -> k.startsWith(prefix))
        .forEach(k -> names.add(k.substring(prefix.length())));
    return names;
  }

  /**
   * Sets ({@code entry} non-null) or removes {@code key}: the state file first, so that a failed
   * save leaves memory, and what readers see, as it was.
   */
  private void commit(String key, StateFile.Entry entry) {
    long next = entry == null ? nextVersion : nextVersion + 1;
    if (stateFile != null) {
      Map<String, StateFile.Entry> after = new TreeMap<>(variables);
      if (entry == null) {
        after.remove(key);
      } else {
        after.put(key, entry);
      }
      stateFile.save(after, next);
    }
    if (entry == null) {
      variables.remove(key);
    } else {
      variables.put(key, entry);
    }
    nextVersion = next;
  }

  void listen(String path, StandaloneGroup group) {
    state(path).listeners.add(group);
    group.deliver(listing(path));
  }

  void unlisten(String path, StandaloneGroup group) {
    state(path).listeners.remove(group);
  }

  Membership add(
      String path,
      Optional<String> label,
      byte[] data,
      StandaloneSession owner,
      CompletableFuture<Boolean> cancelled) {
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
    paths.forEach(
        (path, s) -> {
          if (s.members.values().removeIf(e -> e.owner() == owner)) {
            changed.add(path);
          }
        });
    return changed;
  }

  Optional<byte[]> data(String path, Membership m) {
    Entry e = state(path).members.get(m.sequence());
    return e == null || !e.membership().equals(m)
        ? Optional.empty()
        : Optional.of(e.data().clone());
  }

  Set<Membership> listing(String path) {
    Set<Membership> set = new TreeSet<>();
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
