package org.masterha.demo.master;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.masterha.ha.spi.DaemonThreads;

/**
 * The master's plain-HTTP side ({@code --metrics-port}), on the JDK's own server: {@code /metrics}
 * in the Prometheus text format, {@code /health} (200 while the store session is live, else 503:
 * for a liveness probe) and {@code /ready} (200 only while this master leads, else 503: for a load
 * balancer or readiness probe that must reach the leader). Each answer is decided at the moment of
 * the request. One thread: scrapes and probes are rare and cheap.
 */
final class MetricsHttpServer implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService thread;

  private MetricsHttpServer(HttpServer server, ExecutorService thread) {
    this.server = server;
    this.thread = thread;
  }

  /**
   * Serves on {@code address}; {@code live} and {@code leading} answer {@code /health} and {@code
   * /ready}.
   */
  static MetricsHttpServer start(
      InetSocketAddress address,
      PrometheusMeterRegistry registry,
      BooleanSupplier live,
      BooleanSupplier leading)
      throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new IOException(
          "cannot serve metrics on "
              + address.getAddress().getHostAddress()
              + ":"
              + address.getPort()
              + ": "
              + e.getMessage(),
          e);
    }
    ExecutorService thread =
        Executors.newSingleThreadExecutor(DaemonThreads.named("master-metrics-http"));
    server.setExecutor(thread);
    server.createContext(
        "/metrics", ex -> answer(ex, "/metrics", 200, PROMETHEUS_TEXT, registry.scrape()));
    server.createContext(
        "/health",
        ex ->
            answer(
                ex,
                "/health",
                live.getAsBoolean() ? 200 : 503,
                "text/plain; charset=utf-8",
                live.getAsBoolean() ? "live\n" : "the store session is not live\n"));
    server.createContext(
        "/ready",
        ex -> {
          boolean ready = leading.getAsBoolean();
          answer(
              ex,
              "/ready",
              ready ? 200 : 503,
              "text/plain; charset=utf-8",
              ready ? "leading\n" : "not the leader\n");
        });
    server.createContext(
        "/",
        ex ->
            answer(
                ex,
                "/",
                404,
                "text/plain; charset=utf-8",
                "not found; served here: /metrics, /health, /ready\n"));
    server.start();
    return new MetricsHttpServer(server, thread);
  }

  /** The port served, once started (the one picked when 0 was asked for). */
  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(
      HttpExchange ex, String context, int status, String contentType, String body)
      throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (!path.equals(context) && !context.equals("/")) {
        status = 404;
        body = "not found; served here: /metrics, /health, /ready\n";
        contentType = "text/plain; charset=utf-8";
      }
      String method = ex.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!head && !method.equals("GET")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        status = 405;
        body = "method " + method + " not allowed; accepted: GET, HEAD\n";
        contentType = "text/plain; charset=utf-8";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", contentType);
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      if (head) {
        ex.sendResponseHeaders(status, -1);
        return;
      }
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }
}
