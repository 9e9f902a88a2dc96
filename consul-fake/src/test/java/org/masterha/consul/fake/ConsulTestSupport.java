package org.masterha.consul.fake;

import com.google.common.net.HostAndPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.kiwiproject.consul.Consul;

/**
 * Test plumbing: the real client (org.kiwiproject consul-client) pointed at a fake, and raw HTTP
 * for what that client does not expose (headers, status codes, error texts, non-client calls).
 */
final class ConsulTestSupport {

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private ConsulTestSupport() {}

  static Consul client(FakeConsul fake) {
    return Consul.builder()
        .withHostAndPort(HostAndPort.fromString(fake.hostAndPort()))
        .withReadTimeoutMillis(20_000)
        .build();
  }

  static Consul client(FakeConsul fake, String token) {
    return Consul.builder()
        .withHostAndPort(HostAndPort.fromString(fake.hostAndPort()))
        .withTokenAuth(token)
        .withReadTimeoutMillis(20_000)
        .build();
  }

  /** A raw reply: status, headers (case-insensitive lookups), body as text. */
  record Reply(int status, Map<String, List<String>> headers, String body) {

    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    long index() {
      return Long.parseLong(header("X-Consul-Index"));
    }
  }

  static Reply get(FakeConsul fake, String pathAndQuery, String... headers) {
    return send(fake, "GET", pathAndQuery, null, headers);
  }

  static Reply put(FakeConsul fake, String pathAndQuery, String body, String... headers) {
    return send(fake, "PUT", pathAndQuery, body, headers);
  }

  static Reply delete(FakeConsul fake, String pathAndQuery, String... headers) {
    return send(fake, "DELETE", pathAndQuery, null, headers);
  }

  static Reply send(
      FakeConsul fake, String method, String pathAndQuery, String body, String... headers) {
    try {
      return sendAsync(fake, method, pathAndQuery, body, headers).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  static CompletableFuture<Reply> getAsync(
      FakeConsul fake, String pathAndQuery, String... headers) {
    return sendAsync(fake, "GET", pathAndQuery, null, headers);
  }

  static CompletableFuture<Reply> sendAsync(
      FakeConsul fake, String method, String pathAndQuery, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(fake.httpUrl() + pathAndQuery))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Reply(r.statusCode(), r.headers().map(), r.body()));
  }

  static void closeQuietly(Consul client) {
    if (client != null) {
      client.destroy();
    }
  }
}
