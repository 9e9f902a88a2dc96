package org.masterha.ha.spi;

/**
 * What a failed store request means for the operation that sent it; see {@link ErrorClassifier}.
 */
public enum ErrorClass {
  /**
   * Nothing was applied and it may work later (no connection, no leader yet, a token to renew): try
   * again.
   */
  RETRYABLE,
  /**
   * The request may or may not have been applied (its answer was lost with the connection). Trying
   * again is safe only for an operation that can tell its own earlier success from someone else's
   * change; see {@link Retrier.Attempt#earlierOutcomeUnknown()}.
   */
  OUTCOME_UNKNOWN,
  /** Retrying cannot help (refused credentials, a permission, a bad request): fail the caller. */
  FATAL
}
