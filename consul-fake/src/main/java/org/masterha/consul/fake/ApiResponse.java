package org.masterha.consul.fake;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a handler answers: status, headers, body. Written out by {@link ApiRouter}. */
final class ApiResponse {

  private final int status;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final byte[] body;

  private ApiResponse(int status, String contentType, byte[] body) {
    this.status = status;
    this.body = body;
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
  }

  static ApiResponse json(Object value) {
    return new ApiResponse(200, "application/json", Json.bytes(value));
  }

  static ApiResponse json(int status, Object value) {
    return new ApiResponse(status, "application/json", Json.bytes(value));
  }

  /** Errors: Consul prints the Go error string, and Go's server sniffs it as plain text. */
  static ApiResponse text(int status, String text) {
    return new ApiResponse(
        status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  static ApiResponse empty(int status) {
    return new ApiResponse(status, null, new byte[0]);
  }

  static ApiResponse raw(byte[] bytes, String contentType) {
    return new ApiResponse(200, contentType, bytes == null ? new byte[0] : bytes);
  }

  ApiResponse header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /**
   * The query metadata Consul sets on every read that supports blocking (setMeta in agent/http.go).
   * A single fake server is always the leader and always in contact with itself.
   */
  ApiResponse queryMeta(long index, String consistency) {
    headers.put("X-Consul-Index", Long.toString(index));
    headers.put("X-Consul-KnownLeader", "true");
    headers.put("X-Consul-LastContact", "0");
    headers.put("X-Consul-Effective-Consistency", consistency);
    return this;
  }

  int status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }

  byte[] body() {
    return body;
  }

  String header(String name) {
    return headers.get(name);
  }
}
