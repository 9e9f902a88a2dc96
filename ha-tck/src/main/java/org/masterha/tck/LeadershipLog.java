package org.masterha.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Leader;

/**
 * Who believes it leads, as the candidacies themselves say: a candidacy leads from its {@code
 * elected()} until it decides to withdraw or its {@code lost()} completes. Records every violation
 * of "at most one at a time" and the order and epochs of the leaders.
 */
final class LeadershipLog {
  record Term(int contender, long epoch, long electedAtNanos) {}

  private final Object lock = new Object();
  private final List<Term> terms = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final List<CompletableFuture<Integer>> waiters = new ArrayList<>();
  private Integer leading;

  /** Starts recording {@code candidacy} of contender number {@code contender}. */
  void watch(int contender, Candidacy candidacy) {
    candidacy
        .elected()
        .whenComplete(
            (leader, error) -> {
              if (error == null) {
                elected(contender, candidacy, leader);
              }
            });
    candidacy.lost().whenComplete((v, e) -> stepDown(contender));
  }

  private void elected(int contender, Candidacy candidacy, Leader leader) {
    List<CompletableFuture<Integer>> ready;
    synchronized (lock) {
      if (candidacy.lost().isDone()) {
        violations.add("contender " + contender + " was elected after its candidacy was lost");
      }
      if (leading != null) {
        violations.add(
            "contender "
                + contender
                + " (epoch "
                + leader.epoch()
                + ") was elected while contender "
                + leading
                + " still led");
      }
      if (leader.epoch() != candidacy.epoch()
          || !leader.membership().equals(candidacy.membership())) {
        violations.add(
            "contender "
                + contender
                + " was elected as "
                + leader
                + " but its candidacy is epoch "
                + candidacy.epoch());
      }
      if (!terms.isEmpty() && terms.get(terms.size() - 1).epoch() >= leader.epoch()) {
        violations.add(
            "epoch "
                + leader.epoch()
                + " of contender "
                + contender
                + " does not exceed the previous leader's "
                + terms.get(terms.size() - 1).epoch());
      }
      leading = contender;
      terms.add(new Term(contender, leader.epoch(), System.nanoTime()));
      ready = new ArrayList<>(waiters);
      waiters.clear();
    }
    ready.forEach(w -> w.complete(contender));
  }

  /**
   * Contender {@code contender} no longer believes it leads (it is about to withdraw, or it lost).
   */
  void stepDown(int contender) {
    synchronized (lock) {
      if (leading != null && leading == contender) {
        leading = null;
      }
    }
  }

  /** Completes with the contender that leads now or, when none does, with the next one elected. */
  CompletableFuture<Integer> leader() {
    synchronized (lock) {
      if (leading != null) {
        return CompletableFuture.completedFuture(leading);
      }
      CompletableFuture<Integer> f = new CompletableFuture<>();
      waiters.add(f);
      return f;
    }
  }

  Optional<Integer> leading() {
    synchronized (lock) {
      return Optional.ofNullable(leading);
    }
  }

  List<Term> terms() {
    synchronized (lock) {
      return List.copyOf(terms);
    }
  }

  List<String> violations() {
    synchronized (lock) {
      return List.copyOf(violations);
    }
  }
}
