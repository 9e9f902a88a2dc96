package org.masterha.consul.fake;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;

/**
 * {@code /v1/kv/:key}: GET (with ?recurse, ?keys, ?separator, ?raw, blocking), PUT (?flags, ?cas,
 * ?acquire, ?release) and DELETE (?recurse, ?cas), following agent/kvs_endpoint.go and the
 * server-side rules of agent/consul/kvs_endpoint.go and state/kvs.go.
 */
final class KvHandler {

  private final StateStore store;
  private final Settings settings;

  KvHandler(StateStore store, Settings settings) {
    this.store = store;
    this.settings = settings;
  }

  ApiResponse handle(ApiRequest r, String key) {
    return switch (r.method()) {
      case "GET" -> r.has("keys") ? keys(r, key) : get(r, key);
      case "PUT" -> put(r, key);
      default -> delete(r, key);
    };
  }

  private ApiResponse get(ApiRequest r, String key) {
    boolean recurse = r.has("recurse");
    if (!recurse && key.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing key name");
    }
    QueryOptions q = QueryOptions.parse(r, settings.datacenter, settings.jitter);
    Principal who = r.principal();
    if (!recurse) {
      who.require("key", "read", key);
    }
    BlockingQuery.Indexed<List<KvEntry>> result =
        BlockingQuery.run(
            store,
            q.minIndex(),
            q.waitNanos(),
            () -> recurse ? store.kv().list(key) : single(store.kv().get(key)),
            entries -> recurse ? store.kv().listIndex(key) : store.kv().readIndex(key));
    List<KvEntry> entries = result.value();
    boolean filtered = false;
    if (recurse && !entries.isEmpty()) {
      // Consul filters list results by ACL (the anonymous token may read nothing).
      List<KvEntry> readable =
          entries.stream().filter(e -> who.allows("key", "read", e.key())).toList();
      filtered = readable.size() != entries.size();
      entries = readable;
    }
    if (entries.isEmpty()) {
      return filteredHeader(
          ApiResponse.empty(404).queryMeta(result.index(), q.consistency()), filtered);
    }
    if (r.has("raw") && !recurse) {
      // As Consul: plain text, no sniffing, sandboxed, so a stored value cannot become a page.
      return ApiResponse.raw(entries.get(0).valueUnsafe(), "text/plain")
          .queryMeta(result.index(), q.consistency())
          .header("X-Content-Type-Options", "nosniff")
          .header("Content-Security-Policy", "sandbox");
    }
    ArrayNode out = Json.array();
    entries.forEach(e -> out.add(Json.entry(e, true)));
    return filteredHeader(
        ApiResponse.json(out).queryMeta(result.index(), q.consistency()), filtered);
  }

  private ApiResponse keys(ApiRequest r, String prefix) {
    QueryOptions q = QueryOptions.parse(r, settings.datacenter, settings.jitter);
    // Consul kept the historic misspelling "seperator" working alongside "separator".
    String separator = r.has("separator") ? r.param("separator") : r.param("seperator");
    Principal who = r.principal();
    BlockingQuery.Indexed<List<String>> result =
        BlockingQuery.run(
            store,
            q.minIndex(),
            q.waitNanos(),
            () -> store.kv().keys(prefix, separator),
            keys -> store.kv().listIndex(prefix));
    List<String> keys = result.value();
    boolean filtered = false;
    if (!keys.isEmpty()) {
      List<String> readable = keys.stream().filter(k -> who.allows("key", "read", k)).toList();
      filtered = readable.size() != keys.size();
      keys = readable;
    }
    if (keys.isEmpty() && !prefix.isEmpty()) {
      return filteredHeader(
          ApiResponse.empty(404).queryMeta(result.index(), q.consistency()), filtered);
    }
    ArrayNode out = Json.array();
    keys.forEach(out::add);
    return filteredHeader(
        ApiResponse.json(out).queryMeta(result.index(), q.consistency()), filtered);
  }

  private ApiResponse put(ApiRequest r, String key) {
    if (key.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing key name");
    }
    r.rejectConflicting("cas", "acquire", "release");
    QueryOptions.checkDatacenter(r, settings.datacenter);
    long flags = r.has("flags") ? parseUint(r.param("flags")) : 0;
    long cas = r.has("cas") ? parseUint(r.param("cas")) : 0;
    byte[] body = r.body();
    if (body.length > settings.maxValueSize) {
      throw new ConsulHttpException(
          413,
          "Request body("
              + body.length
              + " bytes) too large, max size: "
              + settings.maxValueSize
              + " bytes. See https://www.consul.io/docs/agent/config/config-files#kv_max_value_size.");
    }
    // An empty body is stored as a nil slice, which Consul answers as "Value": null.
    byte[] value = body.length == 0 ? null : body;
    r.principal().require("key", "write", key);

    if (r.has("acquire")) {
      String session = r.param("acquire");
      boolean delayed = store.read(() -> store.lockDelays().blocks(key, store.now()));
      if (delayed) {
        // Enforced before Raft, against the leader's clock; the acquire just answers false.
        return ApiResponse.json(false);
      }
      return ApiResponse.json(
          store.write(
              idx -> {
                requireLiveSession(session);
                return store.kv().lock(idx, key, value, flags, session) != null;
              }));
    }
    if (r.has("release")) {
      String session = r.param("release");
      return ApiResponse.json(
          store.write(
              idx -> {
                if (session.isEmpty()) {
                  throw ConsulHttpException.internal("missing session");
                }
                return store.kv().unlock(idx, key, value, flags, session) != null;
              }));
    }
    if (r.has("cas")) {
      return ApiResponse.json(
          store.write(idx -> store.kv().cas(idx, key, value, flags, cas) != null));
    }
    store.write(idx -> store.kv().set(idx, key, value, flags));
    return ApiResponse.json(true);
  }

  private ApiResponse delete(ApiRequest r, String key) {
    r.rejectConflicting("recurse", "cas");
    QueryOptions.checkDatacenter(r, settings.datacenter);
    boolean recurse = r.has("recurse");
    if (!recurse && key.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing key name");
    }
    long cas = r.has("cas") ? parseUint(r.param("cas")) : 0;
    r.principal().require("key", "write", key);
    if (recurse) {
      store.write(
          idx -> {
            store.kv().deleteTree(idx, key);
            return null;
          });
      return ApiResponse.json(true);
    }
    if (r.has("cas")) {
      // Unlike PUT, cas=0 deletes nothing that exists: no key has ModifyIndex 0.
      return ApiResponse.json(store.write(idx -> store.kv().deleteCas(idx, key, cas)));
    }
    store.write(idx -> store.kv().delete(idx, key));
    return ApiResponse.json(true);
  }

  /** kvsLockTxn's session checks, with its error texts (answered as 500 by Consul). */
  private void requireLiveSession(String session) {
    if (session.isEmpty()) {
      throw ConsulHttpException.internal("missing session");
    }
    if (!store.sessions().contains(session)) {
      throw ConsulHttpException.internal("invalid session " + GoText.quote(session));
    }
  }

  private static List<KvEntry> single(KvEntry e) {
    return e == null ? List.of() : List.of(e);
  }

  private static ApiResponse filteredHeader(ApiResponse resp, boolean filtered) {
    return filtered ? resp.header("X-Consul-Results-Filtered-By-ACLs", "true") : resp;
  }

  /** Go's strconv.ParseUint(s, 10, 64), whose error Consul returns as a 500. */
  static long parseUint(String s) {
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      String why = s.matches("[0-9]+") ? "value out of range" : "invalid syntax";
      throw ConsulHttpException.internal(
          "strconv.ParseUint: parsing " + GoText.quote(s) + ": " + why);
    }
  }
}
