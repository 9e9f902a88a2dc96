package org.masterha.consul;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP relay in front of the fake that can lose one answer: the next {@code /v1/txn} is passed on and applied,
 * then its connection is closed without a response, as when a connection dies after the agent applied a write
 * and before its answer arrived. Everything else is relayed as is.
 */
final class AnswerLosingRelay implements AutoCloseable {
  private static final List<String> REQUEST_HEADERS = List.of("X-Consul-Token", "Content-Type");
  private static final List<String> RESPONSE_HEADERS =
      List.of("X-Consul-Index", "X-Consul-Knownleader", "X-Consul-Lastcontact", "Content-Type");

  private final String target;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "answer-losing-relay");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicBoolean loseNextTxnAnswer = new AtomicBoolean();
  private final AtomicInteger txns = new AtomicInteger();

  AnswerLosingRelay(String targetUrl) throws IOException {
    this.target = targetUrl;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::relay);
    server.setExecutor(threads);
    server.start();
  }

  String hostAndPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next transaction is applied, and its answer lost. */
  void loseNextTxnAnswer() {
    loseNextTxnAnswer.set(true);
  }

  /** Transactions that reached the fake through this relay. */
  int txns() {
    return txns.get();
  }

  private void relay(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
          .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      for (String h : REQUEST_HEADERS) {
        Optional.ofNullable(exchange.getRequestHeaders().getFirst(h)).ifPresent(v -> r.header(h, v));
      }
      boolean txn = exchange.getRequestURI().getPath().equals("/v1/txn");
      HttpResponse<byte[]> resp = upstream.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (txn) {
        txns.incrementAndGet();
        if (loseNextTxnAnswer.compareAndSet(true, false)) {
          return; // closing the exchange before any response closes the connection
        }
      }
      for (String h : RESPONSE_HEADERS) {
        resp.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().add(h, v));
      }
      exchange.sendResponseHeaders(resp.statusCode(), resp.body().length == 0 ? -1 : resp.body().length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(resp.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
