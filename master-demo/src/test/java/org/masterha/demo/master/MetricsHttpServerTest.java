package org.masterha.demo.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The plain-HTTP side of a master, answered by a real server to a real client. */
class MetricsHttpServerTest {
  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> call(int port, String method, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthAndReadyFollowTheirSuppliersAtEachRequest() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.counter("masterha.test.things").increment();
    AtomicBoolean live = new AtomicBoolean(false);
    AtomicBoolean leading = new AtomicBoolean(false);
    try (MetricsHttpServer server =
        MetricsHttpServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            live::get,
            leading::get)) {
      int port = server.port();
      assertThat(call(port, "GET", "/health").statusCode()).isEqualTo(503);
      assertThat(call(port, "GET", "/ready").statusCode()).isEqualTo(503);
      live.set(true);
      assertThat(call(port, "GET", "/health").statusCode()).isEqualTo(200);
      assertThat(call(port, "GET", "/ready").statusCode()).isEqualTo(503);
      leading.set(true);
      assertThat(call(port, "GET", "/ready").statusCode()).isEqualTo(200);
      assertThat(call(port, "HEAD", "/ready").statusCode()).isEqualTo(200);

      HttpResponse<String> metrics = call(port, "GET", "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValue(MetricsHttpServer.PROMETHEUS_TEXT);
      assertThat(metrics.body()).contains("masterha_test_things_total 1.0");

      assertThat(call(port, "POST", "/ready").statusCode()).isEqualTo(405);
      assertThat(call(port, "GET", "/readyz").statusCode()).isEqualTo(404);
      assertThat(call(port, "GET", "/").statusCode()).isEqualTo(404);
    }
  }
}
