package org.masterha.ha.pid;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Membership;

/**
 * The replicated log's replica group (Mesos' {@code log_replicas}): each replica publishes its
 * endpoint (a UPID such as {@code log-replica(1)@10.0.0.1:5050}); watchers see the set of endpoints
 * and can wait for its size.
 */
public interface PidGroup {
  /**
   * How a watch compares the group's size with the size asked for (Mesos' {@code
   * Network::WatchMode}).
   */
  enum SizeCondition {
    EQUAL_TO,
    NOT_EQUAL_TO,
    LESS_THAN,
    LESS_THAN_OR_EQUAL_TO,
    GREATER_THAN,
    GREATER_THAN_OR_EQUAL_TO;

    public boolean test(int actual, int size) {
      return switch (this) {
        case EQUAL_TO -> actual == size;
        case NOT_EQUAL_TO -> actual != size;
        case LESS_THAN -> actual < size;
        case LESS_THAN_OR_EQUAL_TO -> actual <= size;
        case GREATER_THAN -> actual > size;
        case GREATER_THAN_OR_EQUAL_TO -> actual >= size;
      };
    }
  }

  /** Publishes {@code endpoint}; the membership's {@code cancelled} tells when it is gone. */
  CompletableFuture<Membership> join(String endpoint);

  /** Removes one of our memberships; {@code false} when not ours or already gone. */
  CompletableFuture<Boolean> leave(Membership membership);

  /** The endpoints published now. */
  CompletableFuture<Set<String>> endpoints();

  /**
   * Completes with the endpoints as soon as their count satisfies {@code condition} against {@code
   * size}.
   */
  CompletableFuture<Set<String>> watch(int size, SizeCondition condition);
}
