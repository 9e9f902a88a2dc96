package org.masterha.consul.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * {@code PUT /v1/txn} for KV operations, following agent/txn_endpoint.go,
 * agent/consul/txn_endpoint.go and state/txn.go.
 *
 * <p>All or nothing: operations run in order against a scratch copy of the KV table that is
 * committed only if every one succeeded. Like Consul, a failed operation does not stop the others
 * from being tried, so every error is reported, each with its {@code OpIndex}; the answer is then
 * 409 with {@code Errors} and {@code "Results": null}. A transaction with no write verbs is a read
 * (no Raft index taken, consistency headers set); one with writes takes one index for the whole
 * transaction, whether it commits or rolls back.
 */
final class TxnHandler {

  private static final Set<String> WRITE_VERBS =
      Set.of("set", "delete", "delete-cas", "delete-tree", "cas", "lock", "unlock");

  private final StateStore store;
  private final Settings settings;

  TxnHandler(StateStore store, Settings settings) {
    this.store = store;
    this.settings = settings;
  }

  /** One decoded KV operation (api.KVTxnOp). */
  private record Op(
      String verb, String key, byte[] value, long flags, long index, String session) {}

  /** The outcome of one operation: result entries, or an error text. */
  private record Outcome(List<ObjectNode> results, String error) {
    static Outcome ok(List<ObjectNode> results) {
      return new Outcome(results, null);
    }

    static Outcome fail(String error) {
      return new Outcome(List.of(), error);
    }
  }

  ApiResponse handle(ApiRequest r) {
    // Consul checks the body's length before decoding it: the values travel base64-encoded, so a
    // transaction is refused well before its values reach kv_max_value_size.
    int limit = settings.txnBodyLimit();
    if (r.body().length > limit) {
      throw new ConsulHttpException(
          413,
          "Request body("
              + r.body().length
              + " bytes) too large, max size: "
              + limit
              + " bytes. See https://www.consul.io/docs/agent/config/config-files#txn_max_req_len.");
    }
    List<Op> ops = decode(r.body());
    if (ops.size() > Settings.MAX_TXN_OPS) {
      throw new ConsulHttpException(
          413,
          "Transaction contains too many operations ("
              + ops.size()
              + " > "
              + Settings.MAX_TXN_OPS
              + ")");
    }
    for (Op op : ops) {
      int size = op.value() == null ? 0 : op.value().length;
      if (size > settings.maxValueSize) {
        throw new ConsulHttpException(
            413,
            "Value for key "
                + GoText.quote(op.key())
                + " is too large ("
                + size
                + " > "
                + settings.maxValueSize
                + " bytes)");
      }
    }
    boolean writes = ops.stream().anyMatch(op -> WRITE_VERBS.contains(op.verb()));
    if (!writes) {
      QueryOptions q = QueryOptions.parse(r, settings.datacenter, false);
      Principal who = r.principal();
      ApiResponse resp = store.read(() -> run(ops, who, false));
      // Reads are fast-pathed without blocking: only the leader/contact headers are set.
      return resp.header("X-Consul-KnownLeader", "true")
          .header("X-Consul-LastContact", "0")
          .header("X-Consul-Effective-Consistency", q.consistency());
    }
    QueryOptions.checkDatacenter(r, settings.datacenter);
    Principal who = r.principal();
    List<ObjectNode> preErrors = store.read(() -> preCheck(ops, who));
    if (!preErrors.isEmpty()) {
      return conflict(preErrors);
    }
    return store.write(idx -> run(ops, who, true, idx));
  }

  private ApiResponse run(List<Op> ops, Principal who, boolean write) {
    return run(ops, who, write, 0);
  }

  /** Applies the operations to a scratch copy of the KV table; commits it only if all succeeded. */
  private ApiResponse run(List<Op> ops, Principal who, boolean write, long idx) {
    KvStore scratch = store.kv().copy();
    ArrayNode results = Json.array();
    List<ObjectNode> errors = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Outcome outcome = apply(scratch, ops.get(i), who, idx);
      outcome.results().forEach(results::add);
      if (outcome.error() != null) {
        errors.add(error(i, outcome.error()));
      }
    }
    if (!errors.isEmpty()) {
      return conflict(errors);
    }
    if (write) {
      store.commitKv(scratch);
    }
    ObjectNode out = Json.object();
    out.set("Results", results);
    out.putNull("Errors");
    return ApiResponse.json(out);
  }

  /**
   * Consul's checks before Raft (kvsPreApply): a key is required except for delete-tree, the token
   * must allow the operation, and a lock may not be taken during a key's lock-delay.
   */
  private List<ObjectNode> preCheck(List<Op> ops, Principal who) {
    List<ObjectNode> errors = new ArrayList<>();
    long now = store.now();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String denied = denied(op, who);
      if (op.key().isEmpty() && !op.verb().equals("delete-tree")) {
        errors.add(error(i, "Must provide key"));
      } else if (denied != null) {
        errors.add(error(i, denied));
      } else if (op.verb().equals("lock") && store.lockDelays().blocks(op.key(), now)) {
        errors.add(error(i, "failed to lock key " + GoText.quote(op.key()) + " due to lock delay"));
      }
    }
    return errors;
  }

  /**
   * Consul's kvsPreApply: gets are filtered out of the results rather than refused, checks need
   * read, everything else write.
   */
  private static String denied(Op op, Principal who) {
    String level =
        switch (op.verb()) {
          case "get", "get-tree", "get-or-empty" -> null;
          case "check-session", "check-index", "check-not-exists" -> "read";
          default -> "write";
        };
    if (level == null || who.allows("key", level, op.key())) {
      return null;
    }
    return who.deniedText("key", level, op.key());
  }

  private Outcome apply(KvStore kv, Op op, Principal who, long idx) {
    String key = op.key();
    String q = GoText.quote(key);
    String denied = denied(op, who);
    if (denied != null) {
      return Outcome.fail(denied);
    }
    if (op.verb().startsWith("get")
        && !op.verb().equals("get-tree")
        && !who.allows("key", "read", key)) {
      return Outcome.ok(List.of()); // filtered, as Consul filters reads by ACL
    }
    switch (op.verb()) {
      case "set":
        return bare(kv.set(idx, key, op.value(), op.flags()));
      case "cas":
        {
          KvEntry e = kv.cas(idx, key, op.value(), op.flags(), op.index());
          return e == null ? Outcome.fail("failed to set key " + q + ", index is stale") : bare(e);
        }
      case "lock":
        {
          if (op.session().isEmpty()) {
            return Outcome.fail("missing session");
          }
          if (!store.sessions().contains(op.session())) {
            return Outcome.fail("invalid session " + GoText.quote(op.session()));
          }
          KvEntry e = kv.lock(idx, key, op.value(), op.flags(), op.session());
          return e == null
              ? Outcome.fail("failed to lock key " + q + ", lock is already held")
              : bare(e);
        }
      case "unlock":
        {
          if (op.session().isEmpty()) {
            return Outcome.fail("missing session");
          }
          KvEntry e = kv.unlock(idx, key, op.value(), op.flags(), op.session());
          return e == null
              ? Outcome.fail(
                  "failed to unlock key " + q + ", lock isn't held, or is held by another session")
              : bare(e);
        }
      case "get":
        {
          KvEntry e = kv.get(key);
          return e == null ? Outcome.fail("key " + q + " doesn't exist") : full(e);
        }
      case "get-or-empty":
        {
          KvEntry e = kv.get(key);
          return full(
              e != null
                  ? e
                  : new KvEntry(
                      key, null, op.flags(), 0, emptyToNull(op.session()), 0, op.index()));
        }
      case "get-tree":
        {
          List<ObjectNode> out = new ArrayList<>();
          kv.list(key).stream()
              .filter(e -> who.allows("key", "read", e.key()))
              .forEach(e -> out.add(wrap(Json.entry(e, true))));
          return Outcome.ok(out);
        }
      case "check-index":
        {
          KvEntry e = kv.get(key);
          if (e == null) {
            return Outcome.fail("failed to check index, key " + q + " doesn't exist");
          }
          if (e.modifyIndex() != op.index()) {
            return Outcome.fail(
                "failed index check for key "
                    + q
                    + ", current modify index "
                    + e.modifyIndex()
                    + " != "
                    + op.index());
          }
          return bare(e);
        }
      case "check-session":
        {
          KvEntry e = kv.get(key);
          if (e == null) {
            return Outcome.fail("failed to check session, key " + q + " doesn't exist");
          }
          String holder = e.session() == null ? "" : e.session();
          if (!holder.equals(op.session())) {
            return Outcome.fail(
                "failed session check for key "
                    + q
                    + ", current session "
                    + GoText.quote(holder)
                    + " != "
                    + GoText.quote(op.session()));
          }
          return bare(e);
        }
      case "check-not-exists":
        return kv.get(key) != null ? Outcome.fail("key " + q + " exists") : Outcome.ok(List.of());
      case "delete":
        kv.delete(idx, key);
        return Outcome.ok(List.of());
      case "delete-cas":
        return kv.deleteCas(idx, key, op.index())
            ? Outcome.ok(List.of())
            : Outcome.fail("failed to delete key " + q + ", index is stale");
      case "delete-tree":
        kv.deleteTree(idx, key);
        return Outcome.ok(List.of());
      default:
        return Outcome.fail("unknown KV verb " + GoText.quote(op.verb()));
    }
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  /** Results of non-read verbs carry the entry without its value, to save space (as Consul). */
  private static Outcome bare(KvEntry e) {
    return Outcome.ok(List.of(wrap(Json.entry(e, false))));
  }

  private static Outcome full(KvEntry e) {
    return Outcome.ok(List.of(wrap(Json.entry(e, true))));
  }

  private static ObjectNode wrap(ObjectNode entry) {
    ObjectNode n = Json.object();
    n.set("KV", entry);
    return n;
  }

  private static ObjectNode error(int opIndex, String what) {
    ObjectNode n = Json.object();
    n.put("OpIndex", opIndex);
    n.put("What", what);
    return n;
  }

  private static ApiResponse conflict(List<ObjectNode> errors) {
    ObjectNode out = Json.object();
    out.putNull("Results");
    ArrayNode arr = out.putArray("Errors");
    errors.forEach(arr::add);
    return ApiResponse.json(409, out);
  }

  /** Decodes api.TxnOps; errors are Consul's 400 "Failed to parse body: ...". */
  private static List<Op> decode(byte[] body) {
    JsonNode root;
    try {
      if (body.length == 0) {
        throw new IllegalArgumentException("EOF");
      }
      root = Json.parse(body);
    } catch (IOException | IllegalArgumentException e) {
      throw ConsulHttpException.badRequest("Failed to parse body: " + e.getMessage());
    }
    List<Op> ops = new ArrayList<>();
    if (root == null || root.isNull()) {
      return ops;
    }
    if (!root.isArray()) {
      throw ConsulHttpException.badRequest(
          "Failed to parse body: json: cannot unmarshal "
              + (root.isObject() ? "object" : "value")
              + " into Go value of type api.TxnOps");
    }
    try {
      for (JsonNode element : root) {
        if (!element.isObject()) {
          throw new IllegalArgumentException(
              "json: cannot unmarshal value into Go value of type api.TxnOp");
        }
        JsonNode kv = Json.field(element, "KV");
        if (Json.isAbsent(kv)) {
          for (String other : List.of("Node", "Service", "Check", "Session")) {
            if (!Json.isAbsent(Json.field(element, other))) {
              throw new IllegalArgumentException(
                  "FakeConsul supports only KV operations in /v1/txn, not " + other);
            }
          }
          continue; // Consul's convertOps silently skips an operation of no known kind
        }
        if (!kv.isObject()) {
          throw new IllegalArgumentException(Json.typeError(kv, "TxnOp.KV", "api.KVTxnOp"));
        }
        ops.add(
            new Op(
                Json.string(kv, "Verb", "", "KVTxnOp"),
                Json.string(kv, "Key", "", "KVTxnOp"),
                value(kv),
                Json.uint64(kv, "Flags", "KVTxnOp"),
                Json.uint64(kv, "Index", "KVTxnOp"),
                Json.string(kv, "Session", "", "KVTxnOp")));
      }
    } catch (IllegalArgumentException e) {
      throw ConsulHttpException.badRequest("Failed to parse body: " + e.getMessage());
    }
    return ops;
  }

  private static byte[] value(JsonNode kv) {
    JsonNode v = Json.field(kv, "Value");
    if (Json.isAbsent(v)) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(Json.typeError(v, "KVTxnOp.Value", "[]uint8"));
    }
    try {
      return Base64.getDecoder().decode(v.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("illegal base64 data: " + e.getMessage());
    }
  }
}
