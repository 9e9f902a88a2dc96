package org.masterha.consul.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code /v1/session/*}: create, destroy, renew, info, list and node, following
 * agent/session_endpoint.go and the validation of agent/consul/session_endpoint.go.
 *
 * <p>Validation errors raised by Consul's server (bad Behavior, TTL out of range, unknown node or
 * check) travel back over its RPC layer as plain errors, which its HTTP layer answers with 500;
 * only body-decoding errors are 400. The fake answers the same codes and texts.
 */
final class SessionHandler {

  private final StateStore store;
  private final Settings settings;

  SessionHandler(StateStore store, Settings settings) {
    this.store = store;
    this.settings = settings;
  }

  ApiResponse create(ApiRequest r) {
    QueryOptions.checkDatacenter(r, settings.datacenter);
    String name = "";
    String node = settings.nodeName;
    long lockDelay = Settings.DEFAULT_LOCK_DELAY_NANOS;
    String behavior = SessionRecord.RELEASE;
    String ttl = "";
    List<String> checks = List.of(Settings.SERF_CHECK);
    List<String> nodeChecks = List.of(Settings.SERF_CHECK);
    List<String> serviceChecks = List.of();
    if (r.body().length > 0) {
      try {
        JsonNode body = Json.parse(r.body());
        if (body == null || !body.isObject()) {
          throw new IllegalArgumentException(
              "json: cannot unmarshal "
                  + (body == null ? "value" : "array")
                  + " into Go value of type structs.Session");
        }
        name = Json.string(body, "Name", name, "Session");
        node = Json.string(body, "Node", node, "Session");
        behavior = Json.string(body, "Behavior", behavior, "Session");
        ttl = Json.string(body, "TTL", ttl, "Session");
        JsonNode ld = Json.field(body, "LockDelay");
        if (!Json.isAbsent(ld)) {
          lockDelay = lockDelay(ld);
        }
        if (Json.field(body, "Checks") != null) {
          checks = stringList(body, "Checks"); // present, even as null: replaces the default
        }
        if (Json.field(body, "NodeChecks") != null) {
          nodeChecks = stringList(body, "NodeChecks");
        }
        serviceChecks = serviceCheckIds(body);
      } catch (IOException | IllegalArgumentException e) {
        throw ConsulHttpException.badRequest("Request decode failed: " + e.getMessage());
      }
    }
    // fixupEmptySessionChecks: "Checks": [] means "no checks at all" (a TTL-only session);
    // the default serfHealth in Checks defers to NodeChecks.
    if (checks.isEmpty()) {
      nodeChecks = List.of();
    } else if (checks.size() == 1 && checks.get(0).equals(Settings.SERF_CHECK)) {
      checks = List.of();
    } else if (nodeChecks.isEmpty()) {
      checks = List.of();
    }

    r.principal().require("session", "write", node);
    if (behavior.isEmpty()) {
      behavior = SessionRecord.RELEASE;
    } else if (!behavior.equals(SessionRecord.RELEASE) && !behavior.equals(SessionRecord.DELETE)) {
      throw ConsulHttpException.internal("Invalid Behavior setting '" + behavior + "'");
    }
    long ttlNanos = 0;
    if (!ttl.isEmpty()) {
      try {
        ttlNanos = GoDuration.parseNanos(ttl);
      } catch (IllegalArgumentException e) {
        throw ConsulHttpException.internal("Session TTL '" + ttl + "' invalid: " + e.getMessage());
      }
      long min = settings.sessionTtlMinNanos();
      if (ttlNanos != 0 && (ttlNanos < min || ttlNanos > Settings.TTL_MAX_NANOS)) {
        // Consul prints the TTL with %d: nanoseconds.
        throw ConsulHttpException.internal(
            "Invalid Session TTL '"
                + ttlNanos
                + "', must be between ["
                + GoDuration.format(min)
                + "="
                + GoDuration.format(Settings.TTL_MAX_NANOS)
                + "]");
      }
    }
    if (!node.equals(settings.nodeName)) {
      throw ConsulHttpException.internal("Missing node registration");
    }
    Set<String> allChecks = new LinkedHashSet<>(nodeChecks);
    allChecks.addAll(checks);
    allChecks.addAll(serviceChecks);
    for (String check : allChecks) {
      if (!check.equals(Settings.SERF_CHECK)) {
        // The fake's node has only its serf health check, and no services.
        throw ConsulHttpException.internal("Missing check '" + check + "' registration");
      }
    }
    SessionRecord s =
        store.createSession(name, node, lockDelay, behavior, ttl, ttlNanos, nodeChecks);
    ObjectNode out = Json.object();
    out.put("ID", s.id());
    return ApiResponse.json(out);
  }

  ApiResponse destroy(ApiRequest r, String id) {
    if (id.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing session");
    }
    QueryOptions.checkDatacenter(r, settings.datacenter);
    r.principal().require("session", "write", settings.nodeName);
    store.destroySession(id); // idempotent: an unknown or expired session is still "true"
    return ApiResponse.json(true);
  }

  ApiResponse renew(ApiRequest r, String id) {
    QueryOptions.parse(r, settings.datacenter, false);
    if (id.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing session");
    }
    r.principal().require("session", "write", settings.nodeName);
    SessionRecord s = store.renewSession(id);
    if (s == null) {
      throw new ConsulHttpException(404, "Session id '" + id + "' not found");
    }
    ArrayNode out = Json.array();
    out.add(Json.session(s));
    return ApiResponse.json(out);
  }

  ApiResponse info(ApiRequest r, String id) {
    QueryOptions q = QueryOptions.parse(r, settings.datacenter, settings.jitter);
    if (id.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing session");
    }
    return listing(
        r,
        q,
        () -> {
          SessionRecord s = store.sessions().get(id);
          return s == null ? List.of() : List.of(s);
        });
  }

  ApiResponse list(ApiRequest r) {
    QueryOptions q = QueryOptions.parse(r, settings.datacenter, settings.jitter);
    return listing(r, q, () -> store.sessions().list());
  }

  ApiResponse node(ApiRequest r, String node) {
    QueryOptions q = QueryOptions.parse(r, settings.datacenter, settings.jitter);
    if (node.isEmpty()) {
      throw ConsulHttpException.badRequest("Missing node name");
    }
    return listing(
        r, q, () -> store.sessions().list().stream().filter(s -> s.node().equals(node)).toList());
  }

  /**
   * Session reads block on the sessions table index; results are filtered by ACL, never refused.
   */
  private ApiResponse listing(ApiRequest r, QueryOptions q, Supplier<List<SessionRecord>> query) {
    Principal who = r.principal();
    BlockingQuery.Indexed<List<SessionRecord>> result =
        BlockingQuery.run(
            store, q.minIndex(), q.waitNanos(), query, x -> store.sessions().tableIndex());
    List<SessionRecord> sessions = result.value();
    ApiResponse resp;
    ArrayNode out = Json.array(); // Consul answers [] rather than null when there are none
    List<SessionRecord> readable =
        sessions.stream().filter(s -> who.allows("session", "read", s.node())).toList();
    readable.forEach(s -> out.add(Json.session(s)));
    resp = ApiResponse.json(out);
    if (readable.size() != sessions.size()) {
      resp = resp.header("X-Consul-Results-Filtered-By-ACLs", "true");
    }
    return resp.queryMeta(result.index(), q.consistency());
  }

  /**
   * Consul's LockDelay decoding: a Go duration string, or a number of nanoseconds; values under
   * 1000 are taken as seconds, because clients often send 15 meaning 15s.
   */
  private static long lockDelay(JsonNode n) {
    long nanos;
    if (n.isTextual()) {
      nanos = GoDuration.parseNanos(n.asText());
    } else if (n.isNumber()) {
      nanos = n.asLong();
    } else {
      throw new IllegalArgumentException(Json.typeError(n, "Session.LockDelay", "time.Duration"));
    }
    return nanos < 1000 ? nanos * 1_000_000_000L : nanos;
  }

  private static List<String> stringList(JsonNode body, String name) {
    JsonNode n = Json.field(body, name);
    List<String> out = new ArrayList<>();
    if (Json.isAbsent(n)) {
      return out;
    }
    if (!n.isArray()) {
      throw new IllegalArgumentException(Json.typeError(n, "Session." + name, "[]string"));
    }
    for (JsonNode item : n) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException(Json.typeError(item, "Session." + name, "string"));
      }
      out.add(item.asText());
    }
    return out;
  }

  private static List<String> serviceCheckIds(JsonNode body) {
    JsonNode n = Json.field(body, "ServiceChecks");
    List<String> out = new ArrayList<>();
    if (Json.isAbsent(n)) {
      return out;
    }
    if (!n.isArray()) {
      throw new IllegalArgumentException(
          Json.typeError(n, "Session.ServiceChecks", "[]structs.ServiceCheck"));
    }
    for (JsonNode item : n) {
      out.add(item.isObject() ? Json.string(item, "ID", "", "ServiceCheck") : item.asText());
    }
    return out;
  }
}
