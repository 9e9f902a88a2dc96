package org.masterha.consul.fake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Token resolution as Consul's HTTP layer does it ({@code parseToken}): the {@code ?token=} query
 * parameter, else the {@code X-Consul-Token} header, else {@code Authorization: Bearer}. With no
 * token the request is anonymous; a token that is not the fake's one is "ACL not found" (403),
 * which is what Consul answers for a token it does not know.
 *
 * <p>The token is never logged or included in any message: {@link ApiRouter} redacts it from the
 * request lines it logs, as Consul does.
 */
final class AclFilter {

  private final byte[] token;

  /** Read-only tokens and what they may read. */
  private final java.util.List<java.util.Map.Entry<byte[], Principal>> readTokens =
      new java.util.ArrayList<>();

  /**
   * @param token the management token, or null when ACLs are disabled
   * @param readTokens more tokens, each with the only key prefix it may read
   */
  AclFilter(String token, java.util.Map<String, String> readTokens) {
    if (token == null && !readTokens.isEmpty()) {
      throw new IllegalArgumentException("read-only tokens need ACLs on: give the ACL token too");
    }
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    int n = 0;
    for (java.util.Map.Entry<String, String> e : readTokens.entrySet()) {
      n++;
      this.readTokens.add(
          java.util.Map.entry(
              e.getKey().getBytes(StandardCharsets.UTF_8),
              Principal.keyPrefixRead(
                  e.getValue(), String.format("00000000-0000-4000-8000-%012x", n))));
    }
  }

  boolean enabled() {
    return token != null;
  }

  Principal authenticate(ApiRequest r) {
    if (token == null) {
      return Principal.FULL_ACCESS;
    }
    String presented = presentedToken(r);
    if (presented.isEmpty()) {
      return Principal.ANONYMOUS;
    }
    byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(token, bytes)) {
      return Principal.FULL_ACCESS;
    }
    for (java.util.Map.Entry<byte[], Principal> e : readTokens) {
      if (MessageDigest.isEqual(e.getKey(), bytes)) {
        return e.getValue();
      }
    }
    throw new ConsulHttpException(403, "ACL not found");
  }

  static String presentedToken(ApiRequest r) {
    String q = r.param("token");
    if (!q.isEmpty()) {
      return q;
    }
    String header = r.header("X-Consul-Token");
    if (header != null && !header.isEmpty()) {
      return header;
    }
    String auth = r.header("Authorization");
    if (auth != null) {
      String[] parts = auth.trim().split("\\s+");
      if (parts.length == 2 && parts[0].equalsIgnoreCase("bearer")) {
        return parts[1].trim();
      }
    }
    return "";
  }
}
