package org.masterha.ha.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.pid.PidGroup;

/**
 * The PID group every backend gets: unlabelled members whose data is the endpoint string, as Mesos
 * writes them. It works on the backend's group and hands its answers out on the {@link
 * CallbackExecutor}.
 */
public final class GroupPidGroup implements PidGroup {
  private final Group group;
  private final CallbackExecutor callbacks;

  /** Answers on the thread that learns the answer. */
  public GroupPidGroup(Group group) {
    this(group, CallbackExecutor.direct());
  }

  public GroupPidGroup(Group group, CallbackExecutor callbacks) {
    this.group = group;
    this.callbacks = callbacks;
  }

  @Override
  public CompletableFuture<Membership> join(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return callbacks.relay(
          CompletableFuture.failedFuture(
              new IllegalArgumentException("a replica endpoint must not be empty")));
    }
    return callbacks.relay(
        group
            .join(endpoint.getBytes(StandardCharsets.UTF_8), Optional.empty())
            .thenApply(callbacks::membership));
  }

  @Override
  public CompletableFuture<Boolean> leave(Membership membership) {
    return callbacks.relay(group.cancel(membership));
  }

  @Override
  public CompletableFuture<Set<String>> endpoints() {
    return callbacks.relay(group.members().thenCompose(this::endpointsOf));
  }

  @Override
  public CompletableFuture<Set<String>> watch(int size, SizeCondition condition) {
    if (size < 0) {
      return callbacks.relay(
          CompletableFuture.failedFuture(
              new IllegalArgumentException("a group size is never negative, got " + size)));
    }
    CompletableFuture<Set<String>> result = new CompletableFuture<>();
    group.members().whenComplete((members, e) -> check(members, e, size, condition, result));
    return callbacks.relay(result);
  }

  private void check(
      Set<Membership> members,
      Throwable e,
      int size,
      SizeCondition condition,
      CompletableFuture<Set<String>> result) {
    if (e != null) {
      result.completeExceptionally(e);
      return;
    }
    if (result.isDone()) {
      return;
    }
    if (condition.test(members.size(), size)) {
      endpointsOf(members)
          .whenComplete(
              (endpoints, e2) -> {
                if (e2 != null) {
                  result.completeExceptionally(e2);
                } else {
                  result.complete(endpoints);
                }
              });
    } else {
      group.watch(members).whenComplete((next, e2) -> check(next, e2, size, condition, result));
    }
  }

  private CompletableFuture<Set<String>> endpointsOf(Set<Membership> members) {
    List<CompletableFuture<Optional<byte[]>>> reads = new ArrayList<>();
    for (Membership m : members) {
      reads.add(group.data(m));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Set<String> endpoints = new TreeSet<>();
              for (CompletableFuture<Optional<byte[]>> r : reads) {
                r.join().ifPresent(d -> endpoints.add(new String(d, StandardCharsets.UTF_8)));
              }
              return Collections.unmodifiableSet(endpoints);
            });
  }
}
