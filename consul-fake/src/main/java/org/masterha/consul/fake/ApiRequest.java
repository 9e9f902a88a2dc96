package org.masterha.consul.fake;

import com.sun.net.httpserver.Headers;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A parsed request. Query parameters follow Go's {@code url.ParseQuery}: a bare {@code ?recurse} is
 * present with an empty value, and Consul tests presence, not truthiness, for its flags.
 */
final class ApiRequest {

  private final String method;
  private final String path;
  private final Map<String, List<String>> params;
  private final Headers headers;
  private final byte[] body;
  private final Supplier<Principal> principalResolver;
  private Principal principal;

  ApiRequest(
      String method,
      String path,
      String rawQuery,
      Headers headers,
      byte[] body,
      Function<ApiRequest, Principal> acl) {
    this.method = method;
    this.path = path;
    this.params = parseQuery(rawQuery);
    this.headers = headers;
    this.body = body;
    this.principalResolver = () -> acl.apply(this);
  }

  String method() {
    return method;
  }

  String path() {
    return path;
  }

  byte[] body() {
    return body;
  }

  boolean has(String name) {
    return params.containsKey(name);
  }

  /** The first value, or "" (Go's {@code Values.Get}). */
  String param(String name) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0);
  }

  String header(String name) {
    return headers.getFirst(name);
  }

  /**
   * Resolved lazily, at the point Consul's handler would make its RPC: request validation errors
   * (400) come before ACL errors (403), as in Consul.
   */
  Principal principal() {
    if (principal == null) {
      principal = principalResolver.get();
    }
    return principal;
  }

  /** Go's {@code Values.Encode}: keys sorted, for Consul's "Conflicting flags: ..." message. */
  String encodedParams() {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(params)
        .forEach(
            (k, values) ->
                values.forEach(
                    v ->
                        parts.add(
                            URLEncoder.encode(k, StandardCharsets.UTF_8)
                                + "="
                                + URLEncoder.encode(v, StandardCharsets.UTF_8))));
    return String.join("&", parts);
  }

  /** Consul's {@code conflictingFlags}: at most one of the given flags may be present. */
  void rejectConflicting(String... flags) {
    int present = 0;
    for (String f : flags) {
      if (has(f)) {
        present++;
      }
    }
    if (present > 1) {
      throw ConsulHttpException.badRequest("Conflicting flags: " + encodedParams());
    }
  }

  /** The URL with any token value replaced, for logging. */
  String redactedTarget() {
    if (params.isEmpty()) {
      return path;
    }
    List<String> parts = new ArrayList<>();
    params.forEach(
        (k, values) ->
            values.forEach(
                v ->
                    parts.add(
                        k + (v.isEmpty() ? "" : "=" + (k.equals("token") ? "<hidden>" : v)))));
    return path + "?" + String.join("&", parts);
  }

  private static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.computeIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), x -> new ArrayList<>())
            .add(URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ConsulHttpException.badRequest("invalid URL escape in query: " + e.getMessage());
      }
    }
    return out;
  }
}
