package org.masterha.consul;

import org.kiwiproject.consul.ConsulException;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.spi.ErrorClass;
import org.masterha.ha.spi.ErrorClassifier;

/**
 * Which Consul failures are worth retrying (a connection that may come back, a server without a
 * leader yet) and which are final (a refused ACL token, a refused TTL), with messages that say what
 * to do. Consul's answers never echo the token, and we send it in a header, so these messages can't
 * carry it either.
 */
final class ConsulFailures {
  private ConsulFailures() {}

  /**
   * For the kit's {@link org.masterha.ha.spi.Retrier}: what {@link #retryable} says, else fatal.
   */
  static ErrorClass classify(Throwable t) {
    return retryable(t) ? ErrorClass.RETRYABLE : ErrorClass.FATAL;
  }

  static int code(Throwable t) {
    return t instanceof ConsulException c && c.hasCode() ? c.getCode() : -1;
  }

  /** Worth another try: no answer at all, or an answer that says "not now". */
  static boolean retryable(Throwable t) {
    t = ErrorClassifier.unwrap(t);
    if (!(t instanceof ConsulException c)) {
      return t instanceof java.io.IOException;
    }
    if (!c.hasCode()) {
      return true; // an IOException: refused, reset, timed out
    }
    int code = c.getCode();
    if (code == 429 || code == 502 || code == 503 || code == 504) {
      return true;
    }
    if (code == 500) {
      String m = String.valueOf(c.getMessage());
      return !(m.contains("Invalid Session TTL")
          || m.contains("Permission denied")
          || m.contains("ACL not found"));
    }
    return false;
  }

  /** The session named in a request no longer exists on the servers. */
  static boolean sessionGone(Throwable t) {
    t = ErrorClassifier.unwrap(t);
    String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
    int code = code(t);
    return code == 404
        || ((code == 500 || code == 400)
            && m.contains("session")
            && (m.contains("invalid") || m.contains("not found")));
  }

  /** A final failure, as an exception whose message says what went wrong and what to do. */
  static RuntimeException fatal(Throwable t, String doing, ConsulSettings settings) {
    t = ErrorClassifier.unwrap(t);
    int code = code(t);
    String detail = t instanceof ConsulException ? serverSays(t.getMessage()) : t.toString();
    RuntimeException known = known(code, detail, doing, settings);
    if (known != null) {
      return known;
    }
    if (t instanceof RuntimeException r && !(t instanceof ConsulException)) {
      return r;
    }
    return new HaException(
        "Consul agent "
            + settings.agent()
            + " failed to "
            + doing
            + ": "
            + (code > 0 ? code + " " : "")
            + detail,
        t);
  }

  /**
   * A final answer {@code code} whose body is {@code body}, worded as {@link #fatal(Throwable,
   * String, ConsulSettings)}.
   */
  static RuntimeException fatal(int code, String body, String doing, ConsulSettings settings) {
    String detail = abbreviate(body);
    RuntimeException known = known(code, detail, doing, settings);
    return known != null
        ? known
        : new HaException(
            "Consul agent "
                + settings.agent()
                + " failed to "
                + doing
                + ": "
                + code
                + " "
                + detail);
  }

  /**
   * The failures we can explain (a refused token, a refused TTL), else null. A transaction reports
   * a token's missing permission as a 409 whose Errors say "Permission denied", not as a 403.
   */
  private static RuntimeException known(
      int code, String detail, String doing, ConsulSettings settings) {
    if (code == 403 || (code == 409 && detail.contains("Permission denied"))) {
      String token =
          settings.token().isPresent() ? "the ACL token given" : "no ACL token (anonymous)";
      if (detail.contains("ACL not found")) {
        return new HaException(
            "Consul agent "
                + settings.agent()
                + " refused to "
                + doing
                + ": it does not know "
                + token
                + " (403 ACL not found); check the token file or environment variable it came from");
      }
      return new HaException(
          "Consul agent "
              + settings.agent()
              + " refused to "
              + doing
              + " with "
              + token
              + " ("
              + code
              + " "
              + detail
              + "); the token needs key:write on the prefix '"
              + settings.keyPrefix()
              + "/' and session:write");
    }
    if (code == 500 && detail.contains("Invalid Session TTL")) {
      return new HaConfigException(
          "Consul agent "
              + settings.agent()
              + " refused a session TTL of "
              + GoDurations.format(settings.ttl())
              + " (half the session timeout): "
              + detail
              + "; raise the session timeout to at least twice the agent's session_ttl_min");
    }
    return null;
  }

  /**
   * consul-client's message is "Consul request to [url] failed with status [n]: body"; keep the
   * body.
   */
  private static String serverSays(String message) {
    if (message == null) {
      return "";
    }
    int colon = message.indexOf("]: ");
    return abbreviate(colon >= 0 ? message.substring(colon + 3) : message);
  }

  static String abbreviate(String body) {
    if (body == null) {
      return "";
    }
    body = body.strip().replaceAll("\\s+", " ");
    return body.length() > 300 ? body.substring(0, 300) + "..." : body;
  }
}
