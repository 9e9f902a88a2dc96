package org.masterha.ha.spi;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;

/**
 * A backend's group as callers get it: every answer on the {@link CallbackExecutor}, and the
 * memberships it joins with a read-only {@code cancelled()} that the backend goes on completing
 * underneath.
 */
public final class CallbackGroup implements Group {
  private final Group group;
  private final CallbackExecutor callbacks;

  public CallbackGroup(Group group, CallbackExecutor callbacks) {
    this.group = group;
    this.callbacks = callbacks;
  }

  @Override
  public String path() {
    return group.path();
  }

  @Override
  public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
    return callbacks.relay(group.join(data, label).thenApply(callbacks::membership));
  }

  @Override
  public CompletableFuture<Boolean> cancel(Membership membership) {
    return callbacks.relay(group.cancel(membership));
  }

  @Override
  public CompletableFuture<Optional<byte[]>> data(Membership membership) {
    return callbacks.relay(group.data(membership));
  }

  @Override
  public CompletableFuture<Set<Membership>> members() {
    return callbacks.relay(group.members());
  }

  @Override
  public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
    return callbacks.relay(group.watch(expected));
  }

  @Override
  public String toString() {
    return group.toString();
  }
}
