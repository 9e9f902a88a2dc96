package org.masterha.tck;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.masterha.ha.Durations;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.proto.Address;
import org.masterha.proto.MasterInfo;

/**
 * What every contract's tests use: the fixture, this test's own base path, clients that are closed
 * after the test, and waits that always have a deadline.
 *
 * <p>Two kinds of waiting, never a bare sleep: {@link #await} waits for something that must happen,
 * up to {@link #deadline()}; {@link #assertPendingFor} watches something that must NOT happen for a
 * bounded window, since a negative can only be observed for a while. The windows are short ({@link
 * #quietPeriod()}) except in fault tests, where the window is the fault's own timing.
 */
public interface FixtureAccess {
  /** The started fixture of this suite. */
  BackendFixture fixture();

  /** The session timeout of the clients {@link #connect()} opens. */
  Duration testSessionTimeout();

  /** This test's own base path, e.g. {@code /tck/joinReturnsMembership-7}; nothing else uses it. */
  String basePath();

  /**
   * Closes {@code resource} after this test, before its clients (last registered, first closed).
   */
  <T extends AutoCloseable> T closeAfterTest(T resource);

  /** A scheduler for the tests' own concurrent work; shared by the suite, daemon threads. */
  ScheduledExecutorService executor();

  /** A new client on this test's base path, closed after the test. */
  default TestClient connect() {
    return connect(basePath());
  }

  /** A new client on {@code path}, closed after the test. */
  default TestClient connect(String path) {
    return closeAfterTest(fixture().connect(path, testSessionTimeout()));
  }

  /** A detector on {@code client}'s session, closed after the test. */
  default Detector detector(TestClient client) {
    return closeAfterTest(client.session().detector());
  }

  /** A follower of a new detector on {@code client}'s session, closed after the test. */
  default LeaderFollower follow(TestClient client) {
    return closeAfterTest(LeaderFollower.follow(client.session().detector()));
  }

  default Contender contender(TestClient client, MasterInfo info) {
    return client.session().contender(info);
  }

  /**
   * The fixture's injector for {@code fault}; where the fixture has none, the test stops here and
   * is reported as skipped with the reason, e.g. {@code standalone fixture cannot inject
   * CUT_CONNECTION (stop all traffic ...)}.
   */
  default FaultInjector assumeFault(Fault fault) {
    Optional<FaultInjector> injector = fixture().fault(fault);
    if (injector.isEmpty()) {
      Assumptions.abort(
          fixture().backend()
              + " fixture cannot inject "
              + fault
              + " ("
              + fault.description()
              + ")");
    }
    return injector.get();
  }

  // ---- deadlines and windows

  /** How long something that must happen may take: 3 session timeouts, at least 10 s. */
  default Duration deadline() {
    Duration d = testSessionTimeout().multipliedBy(3);
    return d.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : d;
  }

  /** How long "this must not happen" is watched for when no fault timing is involved. */
  default Duration quietPeriod() {
    return Duration.ofMillis(250);
  }

  /**
   * The bound on a handover that must not wait for any timeout (withdraw, clean close): half the
   * session timeout, so meeting it proves no expiry was waited for.
   */
  default Duration promptBound() {
    return testSessionTimeout().dividedBy(2);
  }

  // ---- waiting

  /** The future's value; fails the test if it fails or is not done within {@link #deadline()}. */
  default <T> T await(String what, CompletableFuture<T> future) {
    return await(what, future, deadline());
  }

  default <T> T await(CompletableFuture<T> future) {
    return await("the operation", future, deadline());
  }

  default <T> T await(String what, CompletableFuture<T> future, Duration within) {
    try {
      return future.get(within.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + " did not complete within " + Durations.format(within));
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    } catch (CancellationException e) {
      throw new AssertionError(what + " was cancelled: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
  }

  /**
   * The cause the future fails with (unwrapped); fails the test if it succeeds or is not done in
   * time.
   */
  default Throwable awaitFailure(String what, CompletableFuture<?> future) {
    try {
      Object value = future.get(deadline().toNanos(), TimeUnit.NANOSECONDS);
      throw new AssertionError(what + " should have failed but completed with " + value);
    } catch (TimeoutException e) {
      throw new AssertionError(
          what + " should have failed but did not complete within " + Durations.format(deadline()));
    } catch (ExecutionException e) {
      return unwrap(e.getCause());
    } catch (CancellationException e) {
      return e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
  }

  /**
   * Asserts that none of {@code futures} completes during {@code window}: a deliberate observation
   * window for something that must not happen, ended early (and failed) by the first completion.
   */
  default void assertPendingFor(Duration window, String what, CompletableFuture<?>... futures) {
    CompletableFuture<Object> any = CompletableFuture.anyOf(futures);
    try {
      any.get(window.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException expected) {
      return; // nothing happened: as required
    } catch (ExecutionException | CancellationException e) {
      // reported below, with the future that completed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while watching " + what, e);
    }
    List<String> done = new ArrayList<>();
    Throwable cause = null;
    for (int i = 0; i < futures.length; i++) {
      CompletableFuture<?> f = futures[i];
      if (f.isDone()) {
        String state;
        try {
          state = "completed with " + f.getNow(null);
        } catch (CompletionException | CancellationException e) {
          cause = unwrap(e);
          state = "failed with " + cause;
        }
        done.add("future " + (i + 1) + " of " + futures.length + " " + state);
      }
    }
    AssertionError error =
        new AssertionError(
            what + " must not happen within " + Durations.format(window) + ", but " + done);
    if (cause != null) {
      error.initCause(cause);
    }
    throw error;
  }

  default void assertPending(String what, CompletableFuture<?>... futures) {
    assertPendingFor(quietPeriod(), what, futures);
  }

  /** Polls {@code condition} (every 20 ms) until it holds, at most {@link #deadline()}. */
  default void awaitUntil(String what, Callable<Boolean> condition) {
    awaitUntil(what, deadline(), condition);
  }

  default void awaitUntil(String what, Duration within, Callable<Boolean> condition) {
    Awaitility.await(what)
        .atMost(within)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(condition);
  }

  /**
   * Whether {@code condition} comes to hold within {@code window} (polled every 20 ms): for a test
   * that takes one of two legal paths depending on what a backend did, each path then checked in
   * full.
   */
  default boolean holdsWithin(Duration window, Callable<Boolean> condition) {
    try {
      awaitUntil("the condition", window, condition);
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return false;
    }
  }

  /**
   * Runs {@code call}, turning an exception it throws into a failed future (either is a legal way
   * to fail).
   */
  default <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Whether {@code error} or one of its causes is a {@code type}. */
  default boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Follows {@code group}'s member set from {@code from} with a chain of {@code watch(lastSeen)}
   * calls, as a careful caller would, until a set satisfies {@code until}; completes with every set
   * observed after {@code from}, in order (none when {@code from} already satisfies it).
   */
  default CompletableFuture<List<Set<Membership>>> watchChain(
      Group group, Set<Membership> from, Predicate<Set<Membership>> until) {
    if (until.test(from)) {
      return CompletableFuture.completedFuture(List.of());
    }
    List<Set<Membership>> seen = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<List<Set<Membership>>> done = new CompletableFuture<>();
    class Step {
      void from(Set<Membership> last) {
        group
            .watch(last)
            .whenComplete(
                (next, error) -> {
                  if (error != null) {
                    done.completeExceptionally(error);
                    return;
                  }
                  seen.add(next);
                  if (until.test(next)) {
                    done.complete(List.copyOf(seen));
                  } else if (!done.isDone()) {
                    from(next);
                  }
                });
      }
    }
    new Step().from(from);
    return done;
  }

  // ---- data

  default byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A master's info as a Mesos master publishes it, distinguished by {@code port}. */
  default MasterInfo masterInfo(String name, int port) {
    return MasterInfo.newBuilder()
        .setId("tck-" + name + "-" + port)
        .setIp(16777343) // 127.0.0.1 as Mesos stores it
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .setHostname("localhost")
        .setVersion("1.4.0")
        .setAddress(Address.newBuilder().setHostname("localhost").setIp("127.0.0.1").setPort(port))
        .build();
  }

  /** A leader no group has: a "previous" answer that certainly differs from the current one. */
  default Leader phantomLeader() {
    return new Leader(
        masterInfo("phantom", 1),
        999_999_999L,
        new Membership("json.info_0999999999", 999_999_999L, Optional.of("json.info")));
  }
}
