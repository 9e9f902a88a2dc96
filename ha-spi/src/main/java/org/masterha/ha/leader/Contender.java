package org.masterha.ha.leader;

import java.util.concurrent.CompletableFuture;

/** Puts a master up for election (Mesos' MasterContender). One candidacy at a time. */
public interface Contender {
  /**
   * Registers the candidacy; completes once it is in the store. Whether it leads is learned from
   * {@link Candidacy#elected()} or a {@link Detector}. Fails with {@link IllegalStateException}
   * while a previous candidacy is still live.
   */
  CompletableFuture<Candidacy> contend();

  /** Ends the current candidacy, deleting it at once; {@code false} when there was none live. */
  CompletableFuture<Boolean> withdraw();
}
