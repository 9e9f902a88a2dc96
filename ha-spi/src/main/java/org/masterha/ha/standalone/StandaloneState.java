package org.masterha.ha.standalone;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.StoreState;
import org.masterha.ha.state.Variable;

/**
 * State in the in-memory store; the event thread makes the fence check and the write one atomic
 * step.
 */
final class StandaloneState extends StoreState {
  /**
   * No store limit here; the same cap as ZooKeeper's default so a master that grows up finds no
   * surprise.
   */
  static final int MAX_VALUE_BYTES = 1000 * 1024;

  private final InMemoryStore store;
  private final String basePath;

  StandaloneState(InMemoryStore store, String basePath, Optional<Candidacy> fence) {
    super("standalone", fence);
    this.store = store;
    this.basePath = basePath;
  }

  @Override
  protected CompletableFuture<Variable> load(String name) {
    return store.call(() -> store.fetchVariable(basePath, name));
  }

  @Override
  protected CompletableFuture<Optional<Variable>> write(
      String name, long expectedVersion, byte[] value, Optional<Membership> fence) {
    return store.call(() -> store.writeVariable(basePath, name, expectedVersion, value, fence));
  }

  @Override
  protected CompletableFuture<Boolean> delete(
      String name, long expectedVersion, Optional<Membership> fence) {
    return store.call(() -> store.deleteVariable(basePath, name, expectedVersion, fence));
  }

  @Override
  public CompletableFuture<Set<String>> names() {
    return store.call(() -> store.variableNames(basePath));
  }

  @Override
  public int maxValueBytes() {
    return MAX_VALUE_BYTES;
  }
}
