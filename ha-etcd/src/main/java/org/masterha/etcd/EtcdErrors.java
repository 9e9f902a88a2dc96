package org.masterha.etcd;

import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.spi.ErrorClass;
import org.masterha.ha.spi.ErrorClassifier;

/**
 * What a failure from jetcd means for us. Most trouble is transient (a server restarting, a leader
 * election, a connection cut) and is retried inside; what can never succeed by retrying (bad
 * credentials, a refused TLS handshake, a permission the user lacks) is surfaced as an {@link
 * HaException} whose message says so.
 */
final class EtcdErrors {
  enum Kind {
    /** Try again later. */
    RETRYABLE,
    /** The lease named in the request does not exist any more: it expired or was revoked. */
    LEASE_NOT_FOUND,
    /** A watch asked for a revision that compaction has removed: list afresh. */
    COMPACTED,
    /** Retrying cannot help. */
    FATAL
  }

  private EtcdErrors() {}

  /**
   * For the kit's {@link org.masterha.ha.spi.Retrier}: only {@link Kind#RETRYABLE} is tried again.
   */
  static ErrorClass retryClass(Throwable t) {
    return classify(t) == Kind.RETRYABLE ? ErrorClass.RETRYABLE : ErrorClass.FATAL;
  }

  static Kind classify(Throwable t) {
    Throwable e = ErrorClassifier.unwrap(t);
    if (e instanceof HaException) {
      return Kind.FATAL;
    }
    if (e instanceof CompactedException) {
      return Kind.COMPACTED;
    }
    if (e instanceof ClosedClientException) {
      return Kind.FATAL;
    }
    if (tlsFailure(e) != null) {
      return Kind.FATAL;
    }
    String message = String.valueOf(description(e));
    if (message.contains("lease not found")) {
      return Kind.LEASE_NOT_FOUND;
    }
    if (message.contains("compacted")) {
      return Kind.COMPACTED;
    }
    // An expired simple token or a stale auth revision: jetcd fetches a new token on the next call.
    if (tokenRefused(e)) {
      return Kind.RETRYABLE;
    }
    Status.Code code = code(e);
    if (code == null) {
      return Kind.RETRYABLE;
    }
    if (code == Status.Code.UNAUTHENTICATED) {
      // jetcd reports any failure to fetch a token as UNAUTHENTICATED, a server that is down
      // included; only a
      // refusal of the credentials themselves is final.
      Status.Code why = underlying(e);
      return why == null
              || why == Status.Code.INVALID_ARGUMENT
              || why == Status.Code.FAILED_PRECONDITION
              || why == Status.Code.PERMISSION_DENIED
          ? Kind.FATAL
          : Kind.RETRYABLE;
    }
    switch (code) {
      case PERMISSION_DENIED:
      case INVALID_ARGUMENT:
      case FAILED_PRECONDITION:
      case ALREADY_EXISTS:
      case UNIMPLEMENTED:
        return Kind.FATAL;
      default:
        return Kind.RETRYABLE;
    }
  }

  /**
   * etcd refused the request because it no longer knows our auth token (a restart forgets simple
   * tokens) or the token predates a change of the auth store: checked before the request is
   * applied, so nothing was applied, and jetcd fetches a new token for the next call.
   */
  static boolean tokenRefused(Throwable t) {
    String message = String.valueOf(description(ErrorClassifier.unwrap(t)));
    return message.contains("invalid auth token")
        || message.contains("revision of auth store is old");
  }

  /** A fatal failure as an exception whose message says what went wrong and what to check. */
  static HaException fatal(String what, Throwable t) {
    Throwable e = ErrorClassifier.unwrap(t);
    if (e instanceof HaException h) {
      return h;
    }
    Throwable tls = tlsFailure(e);
    if (tls != null) {
      return new HaException(
          what
              + " failed: the TLS handshake with etcd failed ("
              + tls.getMessage()
              + "); check the CA that signs the servers' certificates and the client certificate and key",
          tls);
    }
    String description = description(e);
    Status.Code code = code(e);
    if (description != null && description.contains("user name is empty")) {
      return new HaException(
          what
              + " failed: etcd has authentication enabled and no credentials were given; "
              + "configure user:password credentials",
          e);
    }
    if (code == Status.Code.UNAUTHENTICATED
        || (description != null && description.contains("authentication"))) {
      return new HaException(
          what
              + " failed: etcd did not accept the credentials ("
              + description
              + "); check the user name and password, and that authentication is enabled on the cluster",
          e);
    }
    if (code == Status.Code.PERMISSION_DENIED) {
      return new HaException(
          what
              + " failed: etcd denied permission ("
              + description
              + "); the user needs read-write access to the base path's keys and lease permissions",
          e);
    }
    return new HaException(
        what + " failed: " + (description != null ? description : e.toString()), e);
  }

  static String describe(Throwable t) {
    Throwable e = ErrorClassifier.unwrap(t);
    String d = description(e);
    return d != null ? d : e.toString();
  }

  private static String description(Throwable e) {
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof EtcdException && c.getMessage() != null) {
        Throwable cause = c.getCause();
        return c.getMessage()
            + (cause != null && cause.getMessage() != null ? " (" + cause.getMessage() + ")" : "");
      }
      if (c instanceof StatusRuntimeException || c instanceof StatusException) {
        Status status = Status.fromThrowable(c);
        return status.getCode()
            + (status.getDescription() != null ? ": " + status.getDescription() : "");
      }
    }
    return e.getMessage();
  }

  private static Status.Code code(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof EtcdException ee) {
        return Status.Code.valueOf(ee.getErrorCode().name());
      }
      Status status = Status.fromThrowable(c);
      if (status.getCode() != Status.Code.UNKNOWN) {
        return status.getCode();
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  /** The first gRPC status in the chain below the outermost UNAUTHENTICATED one, or null. */
  private static Status.Code underlying(Throwable e) {
    boolean pastOuter = false;
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      Status.Code code = null;
      if (c instanceof EtcdException ee) {
        code = Status.Code.valueOf(ee.getErrorCode().name());
      } else if (c instanceof StatusRuntimeException || c instanceof StatusException) {
        code = Status.fromThrowable(c).getCode();
      } else if (pastOuter && c instanceof java.io.IOException) {
        return Status.Code.UNAVAILABLE;
      }
      if (code != null) {
        if (pastOuter && code != Status.Code.UNAUTHENTICATED) {
          return code;
        }
        pastOuter = pastOuter || code == Status.Code.UNAUTHENTICATED;
      }
    }
    return null;
  }

  /**
   * A TLS failure that retrying cannot fix: a certificate the other side refuses (an unknown CA, a
   * missing or bad client certificate, a name mismatch). A connection that breaks during a
   * handshake, as when a server stops, is not one of them.
   */
  private static Throwable tlsFailure(Throwable e) {
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof CertificateException
          || c instanceof java.security.cert.CertPathValidatorException
          || c instanceof javax.net.ssl.SSLPeerUnverifiedException) {
        return c;
      }
      if (c instanceof SSLException && c.getMessage() != null) {
        String m = c.getMessage();
        if (m.contains("PKIX")
            || m.contains("certificate")
            || m.contains("unknown_ca")
            || m.contains("subject alternative")
            || m.contains("handshake_failure")
            || m.contains("protocol_version")
            || m.contains("access_denied")) {
          return c;
        }
      }
    }
    return null;
  }
}
