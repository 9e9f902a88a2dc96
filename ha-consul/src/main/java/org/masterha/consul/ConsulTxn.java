package org.masterha.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLHandshakeException;

/**
 * Consul's {@code PUT /v1/txn}: a list of KV operations applied all or nothing.
 *
 * <p>Sent with the JDK's {@link HttpClient}, not consul-client, for three reasons: consul-client's
 * {@code Operation} holds a value as a {@code String} that it encodes as UTF-8 before base64, so
 * arbitrary bytes would not survive the trip; on a 409 it throws the answer away (only its message
 * quotes the body), while we need each error's {@code OpIndex}; and its okhttp transport silently
 * sends a request again when the connection fails, even after the request was sent ({@code
 * retryOnConnectionFailure}), which turns a compare-and-swap that was applied but whose answer was
 * lost into a false conflict. The JDK client never resends a PUT, so a failure after sending is
 * reported as such ({@link IOException}) and the caller can say the outcome is unknown.
 *
 * <p>As in {@link ConsulClients}, the ACL token travels only in the {@code X-Consul-Token} header:
 * never in the URL, and nothing here puts a request's headers into a message.
 */
final class ConsulTxn {
  /**
   * Consul's defaults for {@code txn_max_req_len} (the whole request body, checked before it is
   * decoded) and {@code kv_max_value_size} (each decoded value): both raft's suggested maximum
   * entry size, 512 KiB.
   */
  static final int MAX_REQUEST_BYTES = 512 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One KV operation (Consul's {@code api.KVTxnOp}); fields a verb does not use are left out of the
   * JSON.
   */
  record Op(String verb, String key, byte[] value, long index, long flags, String session) {
    static Op checkSession(String key, String session) {
      return new Op("check-session", key, null, 0, 0, session);
    }

    /** Sets {@code key} if its ModifyIndex is {@code index}; 0: only if it does not exist. */
    static Op cas(String key, byte[] value, long index, long flags) {
      return new Op("cas", key, value, index, flags, null);
    }

    /** Fails unless {@code key} exists with ModifyIndex {@code index}. */
    static Op checkIndex(String key, long index) {
      return new Op("check-index", key, null, index, 0, null);
    }

    /**
     * Deletes {@code key} if its ModifyIndex is {@code index}; succeeds, doing nothing, when it is
     * absent.
     */
    static Op deleteCas(String key, long index) {
      return new Op("delete-cas", key, null, index, 0, null);
    }
  }

  /**
   * A KV entry in a committed transaction's results (written entries come back without their
   * value).
   */
  record Entry(String key, long createIndex, long modifyIndex) {}

  /**
   * Why a rolled-back transaction failed: the operation's position in the request, and Consul's
   * text.
   */
  record Failure(int opIndex, String what) {}

  /** 200: applied, with results. 409: rolled back, nothing changed, with the failed operations. */
  record Answer(boolean committed, List<Entry> results, List<Failure> errors) {
    Optional<Entry> result(String key) {
      return results.stream().filter(e -> e.key().equals(key)).findFirst();
    }
  }

  /**
   * No connection could be made (refused, connect timeout, TLS handshake): the request was never
   * sent.
   */
  static final class NotSentException extends IOException {
    private static final long serialVersionUID = 1L;

    NotSentException(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  /** Consul answered with a status other than 200 or 409. */
  static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String body;

    RefusedException(int status, String body) {
      super(status + " " + ConsulFailures.abbreviate(body));
      this.status = status;
      this.body = body;
    }
  }

  private final ConsulSettings settings;
  private final HttpClient client;

  ConsulTxn(ConsulSettings settings, Optional<PemTls> tls, Executor executor) {
    this.settings = settings;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // Consul's HTTP API; no h2c upgrade dance
            .connectTimeout(settings.requestTimeout())
            .executor(executor);
    tls.ifPresent(t -> b.sslContext(t.context));
    this.client = b.build();
  }

  /**
   * Sends {@code ops} as one transaction and waits at most {@code timeout} for the answer.
   *
   * @throws NotSentException when no connection could be made: nothing was applied
   * @throws IOException when the exchange failed after the request may have been sent: it may have
   *     been applied
   * @throws RefusedException when Consul answered neither 200 nor 409
   */
  Answer send(List<Op> ops, Duration timeout)
      throws IOException, RefusedException, InterruptedException {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(settings.agentUri().resolve("/v1/txn"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body(ops)));
    settings.token().ifPresent(t -> rb.header("X-Consul-Token", t.reveal()));
    HttpResponse<byte[]> response;
    try {
      response = client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException | HttpConnectTimeoutException | SSLHandshakeException e) {
      throw new NotSentException(e);
    }
    int status = response.statusCode();
    if (status != 200 && status != 409) {
      throw new RefusedException(
          status, new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return parse(status == 200, response.body());
  }

  /**
   * The request body: {@code [{"KV": {...}}, ...]} with values base64-encoded, as Consul's API
   * wants them.
   */
  static byte[] body(List<Op> ops) {
    ArrayNode array = JSON.createArrayNode();
    for (Op op : ops) {
      ObjectNode kv = array.addObject().putObject("KV");
      kv.put("Verb", op.verb());
      kv.put("Key", op.key());
      if (op.value() != null) {
        kv.put("Value", Base64.getEncoder().encodeToString(op.value()));
      }
      if (op.flags() != 0) {
        kv.put("Flags", op.flags());
      }
      if (op.index() != 0) {
        kv.put("Index", op.index());
      }
      if (op.session() != null) {
        kv.put("Session", op.session());
      }
    }
    try {
      return JSON.writeValueAsBytes(array);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree of strings and numbers always serialises", e);
    }
  }

  private static Answer parse(boolean committed, byte[] body) throws IOException {
    JsonNode root = JSON.readTree(body);
    List<Entry> results = new ArrayList<>();
    for (JsonNode r : root.path("Results")) {
      JsonNode kv = r.path("KV");
      if (kv.isObject()) {
        results.add(
            new Entry(
                kv.path("Key").asText(),
                kv.path("CreateIndex").asLong(),
                kv.path("ModifyIndex").asLong()));
      }
    }
    List<Failure> errors = new ArrayList<>();
    for (JsonNode e : root.path("Errors")) {
      errors.add(new Failure(e.path("OpIndex").asInt(-1), e.path("What").asText("")));
    }
    if (!committed && errors.isEmpty()) {
      errors.add(new Failure(-1, "rolled back without saying which operation failed"));
    }
    return new Answer(committed, List.copyOf(results), List.copyOf(errors));
  }
}
