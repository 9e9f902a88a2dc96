package org.masterha.consul.fake;

/**
 * An error answered the way Consul answers errors: a status code and a plain-text body (Consul
 * writes the Go error string with no JSON around it). The texts are Consul's own, so a client
 * matching on them behaves as it would against the real server.
 */
final class ConsulHttpException extends RuntimeException {

  private final int status;

  ConsulHttpException(int status, String body) {
    super(body, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }

  /** Consul's catch-all for errors coming back from its server RPC layer. */
  static ConsulHttpException internal(String body) {
    return new ConsulHttpException(500, body);
  }

  static ConsulHttpException badRequest(String body) {
    return new ConsulHttpException(400, body);
  }

  ApiResponse toResponse() {
    return ApiResponse.text(status, getMessage());
  }
}
