package org.masterha.ha.spi;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A backend's reading of its client library's failures. The store-specific part (status codes,
 * exception types, messages) stays in the backend; the {@link Retrier} acts on the class alone.
 */
@FunctionalInterface
public interface ErrorClassifier {
  /** The class of {@code error}, already {@linkplain #unwrap unwrapped}. */
  ErrorClass classify(Throwable error);

  /**
   * The failure itself, without the {@link CompletionException}/{@link ExecutionException} wrappers
   * around it.
   */
  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
