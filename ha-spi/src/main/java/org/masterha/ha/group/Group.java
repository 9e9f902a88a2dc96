package org.masterha.ha.group;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A group of members under one path of the store (Mesos' {@code zookeeper::Group}), the primitive
 * every other role is built on. All calls are asynchronous. Retryable trouble (a lost connection
 * that may come back) is retried inside; a failed future means the operation can no longer succeed,
 * e.g. the session was closed.
 *
 * <p>A backend keeps these promises for the memberships this session joined: {@code cancelled}
 * completes with {@code false} when the member is gone for a reason other than our own {@link
 * #cancel}, and at the latest when the session's deadline, measured on the local monotonic clock
 * from the last confirmed renewal, passes while the store cannot be reached: before the store
 * itself could let anyone else take the member's place.
 */
public interface Group {
  /** The group's path in the store, e.g. {@code /mesos} or {@code /mesos/log_replicas}. */
  String path();

  /**
   * Adds a member holding {@code data}; {@code label} names its kind (Mesos: {@code json.info}).
   */
  CompletableFuture<Membership> join(byte[] data, Optional<String> label);

  /** Removes one of our members. {@code false} when it is not ours or already gone. */
  CompletableFuture<Boolean> cancel(Membership membership);

  /** The member's data, or empty when the member no longer exists. */
  CompletableFuture<Optional<byte[]>> data(Membership membership);

  /** The current members, lowest sequence first. */
  CompletableFuture<Set<Membership>> members();

  /**
   * Completes as soon as the member set differs from {@code expected}: at once when it already
   * does. A caller that passes the set it last saw never misses a change.
   */
  CompletableFuture<Set<Membership>> watch(Set<Membership> expected);
}
