package org.masterha.demo.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A master's {@code --metrics-port}, read as a scraper and a probe would: a real HTTP client, and
 * the Prometheus text parsed by the line.
 */
final class MetricsScrape {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private MetricsScrape() {}

  /** The status of {@code GET path} on the master's metrics port. */
  static int status(int port, String path) {
    return get(port, path).statusCode();
  }

  static HttpResponse<String> get(int port, String path) {
    try {
      return CLIENT.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The value of sample {@code name} (its Prometheus name, e.g. {@code masterha_candidacy_leading})
   * in the master's {@code /metrics}; NaN when it is absent.
   */
  static double value(int port, String name) {
    HttpResponse<String> r = get(port, "/metrics");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET /metrics answered " + r.statusCode());
    }
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(r.body());
    return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
  }
}
