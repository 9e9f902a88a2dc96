package org.masterha.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One way to elect a leader and follow it on one store: masterha's API or the store's raw recipe.
 * Every candidate holds a session of its own; every {@link Observers} is one more session with any
 * number of observers on it.
 */
interface Recipe {
  /** {@code masterha} or {@code raw}. */
  String name();

  /** What it is, e.g. {@code Curator LeaderLatch + CuratorCache}. */
  String description();

  /** A candidate on a new session of its own, not yet contending. */
  Candidate candidate(String path, String id, Duration sessionTimeout) throws Exception;

  /** A new session to observe the leader at {@code path} through. */
  Observers observers(String path, Duration sessionTimeout) throws Exception;

  /** A candidate for leadership with its own session. */
  interface Candidate extends AutoCloseable {
    String id();

    /**
     * Enters the election (again); the future completes with {@link System#nanoTime()} at the
     * moment this candidate learns it was elected.
     */
    CompletableFuture<Long> contend() throws Exception;

    /** Leaves the election gracefully (the leader steps down); the session stays open. */
    void withdraw() throws Exception;

    @Override
    void close();
  }

  /** One session that observers of the leader are made on. */
  interface Observers extends AutoCloseable {
    /**
     * A new observer: {@code listener} is told the leader's id ({@code null}: none) at first and on
     * every change; calls for one observer come one at a time.
     */
    AutoCloseable observe(Consumer<String> listener) throws Exception;

    @Override
    void close();
  }
}
