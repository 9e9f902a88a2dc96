package org.masterha.ha.state;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The master's replicated records (Mesos' {@code mesos::state::State}): named, versioned variables
 * stored with compare-and-swap on the version, under {@code <base>/state} in the same store that
 * elects the master.
 *
 * <p>A state obtained for a candidacy ({@code HaSession.state(candidacy)}) is <em>fenced</em>: each
 * write succeeds only if that candidacy is still the leader, and the store checks this atomically
 * in the same operation as the write (a ZooKeeper multi, an etcd transaction, a Consul
 * transaction). A deposed leader that was paused and wakes up cannot write: its write fails with
 * {@link LeadershipLostException} and changes nothing.
 */
public interface State {
  /**
   * The variable's current value and version; version 0 with an empty value when it does not exist.
   */
  CompletableFuture<Variable> fetch(String name);

  /**
   * Replaces the value if the stored version is still {@code current.version()} (0: create if
   * absent). The new variable on success; empty on a version conflict (someone stored or expunged
   * it since).
   */
  CompletableFuture<Optional<Variable>> store(Variable current, byte[] value);

  /**
   * Deletes the variable if its stored version is still {@code current.version()}; false otherwise.
   */
  CompletableFuture<Boolean> expunge(Variable current);

  /** The names of the variables that exist. */
  CompletableFuture<Set<String>> names();

  /** The largest value this store accepts (the backend's own limit, less room for its framing). */
  int maxValueBytes();
}
