package org.masterha.consul.fake;

/**
 * Who a request acts as. The fake knows one token, with full rights like a management token; a
 * request without a token is Consul's anonymous token, which under a default-deny policy may do
 * nothing. Lookups of single objects and writes are refused with 403; list reads come back filtered
 * (empty), as Consul filters list results by ACL instead of refusing them.
 */
enum Principal {
  FULL_ACCESS,
  ANONYMOUS;

  boolean isAnonymous() {
    return this == ANONYMOUS;
  }

  /**
   * Throws Consul's "anonymous token lacks permission" 403 unless this principal has full access.
   */
  void require(String resource, String level, String name) {
    if (this == ANONYMOUS) {
      throw new ConsulHttpException(403, deniedText(resource, level, name));
    }
  }

  /** Consul's PermissionDeniedError text for the anonymous token. */
  static String deniedText(String resource, String level, String name) {
    return "Permission denied: anonymous token lacks permission '"
        + resource
        + ":"
        + level
        + "' on \""
        + name
        + "\". The anonymous token is used implicitly when a request does not specify a token.";
  }
}
