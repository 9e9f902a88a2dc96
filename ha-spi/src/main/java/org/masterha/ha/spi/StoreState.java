package org.masterha.ha.spi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.StateNames;
import org.masterha.ha.state.ValueTooLargeException;
import org.masterha.ha.state.Variable;

/**
 * What every backend's {@link State} shares: argument checks (the one state-name rule, {@link
 * StateNames}), the value size limit, and the local half of fencing (a candidacy that was never
 * elected, or is known lost, is refused without asking the store). The backend does the rest
 * atomically in the store: the version compare, and, for a fenced state, the check that the
 * candidacy's member still exists in the same operation as the write.
 */
public abstract class StoreState implements State {
  private final String backend;
  private final Optional<Candidacy> fence;

  protected StoreState(String backend, Optional<Candidacy> fence) {
    this.backend = backend;
    this.fence = fence;
  }

  /**
   * Reads {@code name}, a valid name: its value and version, or version 0 with an empty value when
   * absent.
   */
  protected abstract CompletableFuture<Variable> load(String name);

  /**
   * Writes {@code value} if {@code name}'s stored version equals {@code expectedVersion} (0:
   * absent) and, when {@code fence} is present, that member still exists, all in one atomic store
   * operation. Completes with the new variable, empty on a version conflict, or fails with {@link
   * LeadershipLostException} when the fence check failed. A failed fence takes precedence over a
   * version conflict: a deposed leader is told it is deposed, whatever version it holds.
   */
  protected abstract CompletableFuture<Optional<Variable>> write(
      String name, long expectedVersion, byte[] value, Optional<Membership> fence);

  /**
   * Deletes {@code name} under the same conditions as {@link #write}; false on a version conflict.
   */
  protected abstract CompletableFuture<Boolean> delete(
      String name, long expectedVersion, Optional<Membership> fence);

  /**
   * Checks the name by {@link StateNames}' rule; a bad name fails the future, as on every backend.
   */
  @Override
  public final CompletableFuture<Variable> fetch(String name) {
    try {
      StateNames.check(name);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return load(name);
  }

  @Override
  public final CompletableFuture<Optional<Variable>> store(Variable current, byte[] value) {
    if (value.length > maxValueBytes()) {
      return CompletableFuture.failedFuture(
          new ValueTooLargeException(current.name(), value.length, maxValueBytes(), backend));
    }
    LeadershipLostException refused = refusedLocally(current.name());
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    return write(
        current.name(), current.version(), value.clone(), fence.map(Candidacy::membership));
  }

  @Override
  public final CompletableFuture<Boolean> expunge(Variable current) {
    if (!current.exists()) {
      return CompletableFuture.completedFuture(false);
    }
    LeadershipLostException refused = refusedLocally(current.name());
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    return delete(current.name(), current.version(), fence.map(Candidacy::membership));
  }

  private LeadershipLostException refusedLocally(String name) {
    if (fence.isEmpty()) {
      return null;
    }
    Candidacy c = fence.get();
    if (c.lost().isDone()) {
      return lost(name, c.membership(), "its candidacy was lost");
    }
    CompletableFuture<?> elected = c.elected();
    if (!elected.isDone() || elected.isCompletedExceptionally()) {
      return lost(name, c.membership(), "its candidacy has not been elected");
    }
    return null;
  }

  /** The exception for a write refused because {@code member} does not lead. */
  public static LeadershipLostException lost(String name, Membership member, String why) {
    return new LeadershipLostException(
        "write to state variable '"
            + name
            + "' refused: "
            + why
            + " (member "
            + member.id()
            + ", epoch "
            + member.sequence()
            + "); nothing was changed");
  }
}
