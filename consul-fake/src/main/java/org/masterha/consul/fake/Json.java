package org.masterha.consul.fake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON in Consul's shapes. Field order follows the Go structs (cosmetic, but it keeps captures
 * comparable), {@code []byte} is base64 and a nil slice is {@code null}, and decoding matches field
 * names case-insensitively because Go's encoding/json does: a client sending {@code "kv"} or {@code
 * "ttl"} works against Consul, so it must work here too.
 */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode parse(byte[] body) throws IOException {
    return MAPPER.readTree(body);
  }

  static ObjectNode object() {
    return NODES.objectNode();
  }

  static ArrayNode array() {
    return NODES.arrayNode();
  }

  /** A DirEntry; {@code withValue=false} gives the value-less copy transactions answer with. */
  static ObjectNode entry(KvEntry e, boolean withValue) {
    ObjectNode n = object();
    n.put("LockIndex", e.lockIndex());
    n.put("Key", e.key());
    n.put("Flags", unsigned(e.flags()));
    byte[] value = e.valueUnsafe();
    if (withValue && value != null) {
      n.put("Value", Base64.getEncoder().encodeToString(value));
    } else {
      n.putNull("Value");
    }
    if (e.session() != null) {
      n.put("Session", e.session()); // omitempty in Go
    }
    n.put("CreateIndex", e.createIndex());
    n.put("ModifyIndex", e.modifyIndex());
    return n;
  }

  static ObjectNode session(SessionRecord s) {
    ObjectNode n = object();
    n.put("ID", s.id());
    n.put("Name", s.name());
    n.put("Node", s.node());
    n.put("LockDelay", s.lockDelayNanos()); // a Go time.Duration: nanoseconds
    n.put("Behavior", s.behavior());
    n.put("TTL", s.ttl());
    ArrayNode checks = n.putArray("NodeChecks");
    s.nodeChecks().forEach(checks::add);
    n.putNull("ServiceChecks");
    n.put("CreateIndex", s.createIndex());
    n.put("ModifyIndex", s.modifyIndex());
    return n;
  }

  static BigInteger unsigned(long v) {
    return new BigInteger(Long.toUnsignedString(v));
  }

  /** Field lookup as Go does it: an exact match first, else a case-insensitive one. */
  static JsonNode field(JsonNode object, String name) {
    JsonNode exact = object.get(name);
    if (exact != null) {
      return exact;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equalsIgnoreCase(name)) {
        return f.getValue();
      }
    }
    return null;
  }

  static boolean isAbsent(JsonNode n) {
    return n == null || n.isNull();
  }

  /** A string field; JSON null or absence keep the default, as in Go. */
  static String string(JsonNode object, String name, String dflt, String goType) {
    JsonNode n = field(object, name);
    if (isAbsent(n)) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException(typeError(n, goType + "." + name, "string"));
    }
    return n.asText();
  }

  /** An unsigned 64-bit number field, as a long holding the same bits. */
  static long uint64(JsonNode object, String name, String goType) {
    JsonNode n = field(object, name);
    if (isAbsent(n)) {
      return 0;
    }
    if (!n.isIntegralNumber()
        || n.bigIntegerValue().signum() < 0
        || n.bigIntegerValue().bitLength() > 64) {
      throw new IllegalArgumentException(typeError(n, goType + "." + name, "uint64"));
    }
    return n.bigIntegerValue().longValue();
  }

  /** Go's "json: cannot unmarshal X into Go struct field F of type T". */
  static String typeError(JsonNode n, String field, String type) {
    String kind =
        n.isTextual()
            ? "string"
            : n.isNumber()
                ? "number " + n.asText()
                : n.isBoolean()
                    ? "bool"
                    : n.isArray() ? "array" : n.isObject() ? "object" : "value";
    return "json: cannot unmarshal " + kind + " into Go struct field " + field + " of type " + type;
  }
}
