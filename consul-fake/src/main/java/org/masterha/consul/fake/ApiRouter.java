package org.masterha.consul.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The fake's one HTTP handler: routes like Consul's mux, enforces each endpoint's methods, holds
 * requests while the fake is paused, and writes responses and errors the way Consul does.
 */
final class ApiRouter implements HttpHandler {

  private static final System.Logger LOG = System.getLogger(FakeConsul.class.getName());

  /** One endpoint: an exact path, or a prefix whose remainder is passed to the handler. */
  private record Route(
      String path,
      boolean prefix,
      List<String> methods,
      BiFunction<ApiRequest, String, ApiResponse> handler) {}

  static final String METRICS_PATH = "/v1/agent/metrics";

  private final List<Route> routes;
  private final AclFilter acl;
  private final PauseGate gate;

  /** Every request the fake answered or dropped, except the metrics reads themselves. */
  private final AtomicLong requests = new AtomicLong();

  ApiRouter(
      KvHandler kv,
      SessionHandler sessions,
      TxnHandler txn,
      AgentStatusHandler agent,
      AclFilter acl,
      PauseGate gate) {
    this.acl = acl;
    this.gate = gate;
    this.routes =
        List.of(
            new Route("/v1/kv/", true, List.of("GET", "PUT", "DELETE"), kv::handle),
            new Route("/v1/txn", false, List.of("PUT"), (r, t) -> txn.handle(r)),
            new Route("/v1/session/create", false, List.of("PUT"), (r, t) -> sessions.create(r)),
            new Route("/v1/session/destroy/", true, List.of("PUT"), sessions::destroy),
            new Route("/v1/session/renew/", true, List.of("PUT"), sessions::renew),
            new Route("/v1/session/info/", true, List.of("GET"), sessions::info),
            new Route("/v1/session/node/", true, List.of("GET"), sessions::node),
            new Route("/v1/session/list", false, List.of("GET"), (r, t) -> sessions.list(r)),
            new Route("/v1/status/leader", false, List.of("GET"), (r, t) -> agent.leader(r)),
            new Route("/v1/status/peers", false, List.of("GET"), (r, t) -> agent.peers(r)),
            new Route("/v1/agent/self", false, List.of("GET"), (r, t) -> agent.self(r)),
            new Route(
                "/v1/agent/metrics", false, List.of("GET"), (r, t) -> agent.metrics(r, requests)));
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(METRICS_PATH)) {
        requests.incrementAndGet();
      }
      gate.awaitOpen();
      byte[] body = exchange.getRequestBody().readAllBytes();
      ApiRequest request =
          new ApiRequest(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              exchange.getRequestURI().getRawQuery(),
              exchange.getRequestHeaders(),
              body,
              acl::authenticate);
      LOG.log(
          Level.DEBUG, () -> "FakeConsul: " + request.method() + " " + request.redactedTarget());
      ApiResponse response = dispatch(request);
      gate.awaitOpen(); // a frozen server does not answer even what it had computed
      write(exchange, response);
    } catch (FakeConsulStopped stopped) {
      // Dropped, like a request in flight when a server dies: the connection just closes.
      LOG.log(Level.DEBUG, "FakeConsul: dropped a request in flight on stop");
    }
  }

  /** How many requests came in, metrics reads excepted; see {@link #METRICS_PATH}. */
  long requestCount() {
    return requests.get();
  }

  private ApiResponse dispatch(ApiRequest request) {
    try {
      for (Route route : routes) {
        String path = request.path();
        boolean matches =
            route.prefix() ? path.startsWith(route.path()) : path.equals(route.path());
        if (!matches) {
          continue;
        }
        String allow = "OPTIONS," + String.join(",", route.methods());
        if (request.method().equals("OPTIONS")) {
          return ApiResponse.empty(200).header("Allow", allow);
        }
        if (!route.methods().contains(request.method())) {
          return ApiResponse.text(405, "method " + request.method() + " not allowed")
              .header("Allow", allow);
        }
        String tail = route.prefix() ? path.substring(route.path().length()) : "";
        return route.handler().apply(request, tail);
      }
      return ApiResponse.empty(404); // Consul's index handler: not found, empty body
    } catch (ConsulHttpException e) {
      return e.toResponse();
    } catch (FakeConsulStopped e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "FakeConsul: internal error on " + request.method() + " " + request.redactedTarget(),
          e);
      return ApiResponse.text(500, String.valueOf(e.getMessage()));
    }
  }

  private static void write(HttpExchange exchange, ApiResponse response) throws IOException {
    response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    byte[] body = response.body();
    exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
