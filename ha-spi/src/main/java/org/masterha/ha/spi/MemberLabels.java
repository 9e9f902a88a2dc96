package org.masterha.ha.spi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The one rule for member labels, the same on every backend, so a label that works on one store
 * works on all: 1 to 128 letters, digits, {@code .}, {@code _} or {@code -}, starting with a letter
 * or digit (e.g. {@code json.info}). It fits a ZooKeeper znode name, an etcd key segment and a
 * Consul key segment, and the member names built from it parse back to the same label on each.
 * Reading is lenient: a member written by another tool with another label is still read; only
 * {@code join} is held to this rule.
 */
public final class MemberLabels {
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private MemberLabels() {}

  /** Why {@code label} is refused, or empty when it is accepted (an absent label always is). */
  public static Optional<IllegalArgumentException> refusal(Optional<String> label) {
    if (label.isEmpty() || LABEL.matcher(label.get()).matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new IllegalArgumentException(
            "member label '"
                + label.get()
                + "' is not accepted; accepted: 1 to 128"
                + " letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. json.info), or no label"));
  }

  /**
   * Runs {@code join} if {@code label} is accepted, else returns a future failed with the refusal:
   * a bad argument is reported like any other failure of the call, never thrown at the caller.
   */
  public static <T> CompletableFuture<T> checked(
      Optional<String> label, Supplier<CompletableFuture<T>> join) {
    Optional<IllegalArgumentException> refused = refusal(label);
    return refused.isPresent() ? CompletableFuture.failedFuture(refused.get()) : join.get();
  }
}
