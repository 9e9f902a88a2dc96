package org.masterha.demo.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.ExitException;
import org.masterha.ha.Durations;

/**
 * What {@code bin/demo --backend=consul --consul=HOST:PORT} checks before it starts anything: that
 * a Consul agent answers there, and that its {@code session_ttl_min} allows the demo's session
 * timeout (a session timeout maps to a session TTL of half of it, and the agent refuses a TTL below
 * its minimum). Otherwise every master would exit 2 with the reason in its own log, and the demo
 * could only say that no master was elected.
 */
final class ConsulAgentCheck {
  /**
   * Consul's built-in {@code session_ttl_min}, in force when the agent's DebugConfig shows "0s".
   */
  static final Duration CONSUL_DEFAULT_TTL_MIN = Duration.ofSeconds(10);

  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private static final Pattern GO_DURATION_PART =
      Pattern.compile("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");

  private ConsulAgentCheck() {}

  /**
   * Throws an {@link ExitException} (exit 2) whose one-line message says what is wrong and what to
   * do.
   */
  static void check(String hostPort, Duration sessionTimeout) {
    String agent = "the Consul agent at " + hostPort + " (--consul)";
    URI uri;
    try {
      uri = URI.create("http://" + hostPort + "/v1/agent/self");
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new ExitException(
          Cli.EXIT_USAGE,
          "flag --consul='"
              + hostPort
              + "' is not accepted; expected HOST:PORT of a Consul agent's HTTP API, e.g. 127.0.0.1:8500");
    }
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newBuilder()
              .connectTimeout(TIMEOUT)
              .build()
              .send(
                  HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw unusable(
          agent
              + " could not be reached within "
              + Durations.format(TIMEOUT)
              + " (connection refused)"
              + "; start it, or leave out --consul to run the demo on the project's fake of Consul's HTTP API");
    } catch (HttpTimeoutException e) {
      throw unusable(
          agent
              + " did not answer within "
              + Durations.format(TIMEOUT)
              + "; start it, or leave out --consul to run the demo on the project's fake of Consul's HTTP API");
    } catch (IOException e) {
      throw unusable(
          agent
              + " could not be asked for its configuration: "
              + Cli.message(e)
              + "; is HOST:PORT a Consul agent's HTTP address (plain HTTP, e.g. 127.0.0.1:8500)?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unusable("interrupted while asking " + agent + " for its configuration");
    }
    if (response.statusCode() == 403) {
      throw unusable(
          agent
              + " refuses requests without an ACL token (403 on /v1/agent/self); the demo uses none, so run it"
              + " against an agent without ACLs or with the default policy allow");
    }
    if (response.statusCode() != 200) {
      throw unusable(
          agent
              + " answered /v1/agent/self with HTTP "
              + response.statusCode()
              + "; is it a Consul agent's HTTP address (e.g. 127.0.0.1:8500)?");
    }
    JsonNode min;
    try {
      min = new ObjectMapper().readTree(response.body()).path("DebugConfig").path("SessionTTLMin");
    } catch (IOException e) {
      throw unusable(
          agent
              + " answered /v1/agent/self with something that is not JSON; is it a Consul agent's HTTP address?");
    }
    Optional<Duration> configured =
        min.isTextual()
            ? parseGoDuration(min.asText())
            : min.isNumber() ? Optional.of(Duration.ofNanos(min.asLong())) : Optional.empty();
    boolean isDefault = configured.isEmpty() || configured.get().isZero();
    Duration ttlMin = isDefault ? CONSUL_DEFAULT_TTL_MIN : configured.get();
    if (sessionTimeout.dividedBy(2).compareTo(ttlMin) < 0) {
      throw unusable(
          "--session-timeout="
              + Durations.format(sessionTimeout)
              + " is too short for "
              + agent
              + ": its session_ttl_min is "
              + Durations.format(ttlMin)
              + (isDefault ? " (Consul's default)" : "")
              + " and a session timeout maps to a session TTL of half of it;"
              + " use --session-timeout="
              + Durations.format(ttlMin.multipliedBy(2))
              + " or more, or lower the agent's session_ttl_min");
    }
  }

  /** Go's time.Duration text, e.g. "10s", "1m30s", "1.5s", "0s"; empty when it is not one. */
  static Optional<Duration> parseGoDuration(String text) {
    if (text.equals("0")) {
      return Optional.of(Duration.ZERO);
    }
    Matcher m = GO_DURATION_PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
      end = m.end();
    }
    return end == text.length() && end > 0
        ? Optional.of(Duration.ofNanos(nanos.longValue()))
        : Optional.empty();
  }

  private static ExitException unusable(String message) {
    return new ExitException(Cli.EXIT_USAGE, message);
  }
}
