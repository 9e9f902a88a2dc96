package org.masterha.zookeeper;

import java.util.Optional;
import org.apache.zookeeper.KeeperException.Code;
import org.masterha.ha.error.HaException;
import org.masterha.ha.spi.ErrorClass;

/** How this backend treats ZooKeeper's result codes: retry inside, or fail the caller. */
final class KeeperCodes {
  private KeeperCodes() {}

  /**
   * A failed request's code in the kit's terms: the connection, not the request, failed (run it
   * again once the session is connected), and for a lost connection or a timeout the response was
   * lost with it, so the request may or may not have been applied. Any other failure code is final.
   */
  static ErrorClass classify(int rc) {
    if (rc == Code.CONNECTIONLOSS.intValue() || rc == Code.OPERATIONTIMEOUT.intValue()) {
      return ErrorClass.OUTCOME_UNKNOWN;
    }
    if (rc == Code.SESSIONEXPIRED.intValue() || rc == Code.SESSIONMOVED.intValue()) {
      return ErrorClass.RETRYABLE;
    }
    return ErrorClass.FATAL;
  }

  static boolean isRetryable(int rc) {
    return classify(rc) != ErrorClass.FATAL;
  }

  static boolean isOutcomeUnknown(int rc) {
    return classify(rc) == ErrorClass.OUTCOME_UNKNOWN;
  }

  /** The server answered, so it had our session alive when it received the request. */
  static boolean isAnswer(int rc) {
    return rc == Code.OK.intValue()
        || rc == Code.NONODE.intValue()
        || rc == Code.NODEEXISTS.intValue()
        || rc == Code.BADVERSION.intValue()
        || rc == Code.NOTEMPTY.intValue();
  }

  /** The session itself can never work: the servers refuse it, not one request. */
  static boolean failsSession(int rc) {
    return rc == Code.SESSIONCLOSEDREQUIRESASLAUTH.intValue() || rc == Code.AUTHFAILED.intValue();
  }

  static String name(int rc) {
    Code code = Code.get(rc);
    return code == null ? "result code " + rc : code.name();
  }

  /**
   * A fatal failure of {@code what}, with advice where the code calls for it. Never mentions a
   * password.
   */
  static HaException failure(String what, int rc, Optional<String> user) {
    if (rc == Code.NOAUTH.intValue()) {
      return new HaException(
          "ZooKeeper refused to "
              + what
              + ": NOAUTH, the node's ACL does not allow "
              + user.map(u -> "digest user '" + u + "'").orElse("unauthenticated clients")
              + "; give the credentials of the identity that created it (user:password in the zk:// URL, a credentials file or an environment variable)");
    }
    if (failsSession(rc)) {
      return authenticationRequired(user);
    }
    if (rc == Code.INVALIDACL.intValue()) {
      return new HaException(
          "ZooKeeper refused to "
              + what
              + ": INVALIDACL (the creator-all ACL needs an authenticated session)");
    }
    return new HaException("ZooKeeper could not " + what + ": " + name(rc));
  }

  static HaException authenticationRequired(Optional<String> user) {
    return new HaException(
        user.map(
                    u ->
                        "ZooKeeper did not accept the session authenticated as digest user '"
                            + u
                            + "'")
                .orElse("the ZooKeeper servers require an authenticated session")
            + "; check the servers' enforce.auth settings and give user:password credentials they accept");
  }
}
