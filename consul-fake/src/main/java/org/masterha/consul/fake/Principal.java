package org.masterha.consul.fake;

/**
 * Who a request acts as, under a default-deny ACL policy: the fake's management token (full
 * rights), a token whose only rule is {@code key_prefix "<prefix>" { policy = "read" }}, or
 * Consul's anonymous token (a request without a token), which may do nothing. Lookups of single
 * objects and writes the principal may not make are refused with 403; list reads come back filtered
 * to what it may read, as Consul filters list results by ACL instead of refusing them.
 */
final class Principal {
  static final Principal FULL_ACCESS = new Principal(null, "");
  static final Principal ANONYMOUS = new Principal(null, "");

  /** The key prefix a read-only token may read; null for the other two. */
  private final String readPrefix;

  /** The token's AccessorID (not a secret: Consul prints it in its denials). */
  private final String accessorId;

  private Principal(String readPrefix, String accessorId) {
    this.readPrefix = readPrefix;
    this.accessorId = accessorId;
  }

  /** A token whose policy is {@code key_prefix "<prefix>" { policy = "read" }} and nothing else. */
  static Principal keyPrefixRead(String prefix, String accessorId) {
    return new Principal(prefix, accessorId);
  }

  boolean isAnonymous() {
    return this == ANONYMOUS;
  }

  /** Whether the policy grants {@code level} ("read" or "write") on the named resource. */
  boolean allows(String resource, String level, String name) {
    if (this == FULL_ACCESS) {
      return true;
    }
    return readPrefix != null
        && resource.equals("key")
        && level.equals("read")
        && name.startsWith(readPrefix);
  }

  /** Throws Consul's permission-denied 403 unless the policy grants {@code level} on the name. */
  void require(String resource, String level, String name) {
    if (!allows(resource, level, name)) {
      throw new ConsulHttpException(403, deniedText(resource, level, name));
    }
  }

  /** Consul's PermissionDeniedError text (acl/errors.go) for this principal. */
  String deniedText(String resource, String level, String name) {
    String who =
        this == ANONYMOUS ? "anonymous token" : "token with AccessorID '" + accessorId + "'";
    String text =
        "Permission denied: "
            + who
            + " lacks permission '"
            + resource
            + ":"
            + level
            + "' on \""
            + name
            + "\"";
    return this == ANONYMOUS
        ? text + ". The anonymous token is used implicitly when a request does not specify a token."
        : text;
  }
}
