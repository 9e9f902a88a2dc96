package org.masterha.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.masterha.ha.Durations;
import org.masterha.ha.error.HaConfigException;
import org.slf4j.LoggerFactory;

/**
 * The agent's {@code session_ttl_min}: the shortest session TTL it grants, so twice it is the
 * shortest session timeout masterha can honour on that agent. Read once when a session is opened.
 *
 * <p>This one request goes through the JDK's HttpClient, not consul-client: the value is in {@code
 * /v1/agent/self}'s {@code DebugConfig}, whose shape Consul says may change without notice, and
 * consul-client's {@code Agent} model insists on fields (Config, Member) we don't need; a tolerant
 * read of one field with a short timeout of its own is what open() wants.
 */
record SessionTtlMinimum(Duration value, Optional<String> assumedBecause, boolean agentAnswered) {
  /** Consul's default {@code session_ttl_min}. */
  static final Duration CONSUL_DEFAULT = Duration.ofSeconds(10);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads it from the agent; Consul's default when the agent can't tell us, with the reason. */
  static SessionTtlMinimum read(ConsulSettings settings, Optional<PemTls> tls) {
    Duration timeout =
        settings.requestTimeout().compareTo(Duration.ofSeconds(2)) > 0
            ? Duration.ofSeconds(2)
            : settings.requestTimeout();
    HttpClient.Builder cb = HttpClient.newBuilder().connectTimeout(timeout);
    tls.ifPresent(t -> cb.sslContext(t.context));
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(settings.agentUri().resolve("/v1/agent/self"))
            .timeout(timeout)
            .GET();
    settings.token().ifPresent(t -> rb.header("X-Consul-Token", t.reveal()));
    HttpResponse<String> response;
    try {
      response =
          cb.build().send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      String why =
          e instanceof java.net.http.HttpTimeoutException
              ? "no answer within " + Durations.format(timeout)
              : e instanceof java.net.ConnectException
                  ? "connection refused"
                  : String.valueOf(e.getMessage());
      return unanswered("the agent at " + settings.agent() + " could not be asked: " + why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unanswered("interrupted while asking the agent at " + settings.agent());
    }
    String body = response.body() == null ? "" : response.body().strip();
    if (response.statusCode() == 403) {
      if (body.contains("ACL not found")) {
        throw new HaConfigException(
            "the Consul agent at "
                + settings.agent()
                + " does not know the ACL token "
                + (settings.token().isPresent() ? "given" : "(none was given)")
                + " (403 ACL not found); check the token file "
                + "or environment variable it came from");
      }
      // A valid token without agent:read (a detector's read-only token, for one): nothing is known,
      // and the session create will tell if the TTL is refused after all.
      return unanswered("the ACL token may not read /v1/agent/self (" + abbreviate(body) + ")");
    }
    if (response.statusCode() != 200) {
      return assumed("/v1/agent/self answered " + response.statusCode() + " " + abbreviate(body));
    }
    try {
      JsonNode min = JSON.readTree(body).path("DebugConfig").path("SessionTTLMin");
      Duration value = null;
      if (min.isTextual()) {
        value = GoDurations.parse(min.asText());
      } else if (min.isNumber()) { // nanoseconds, as Go marshals a bare time.Duration
        value = Duration.ofNanos(min.asLong());
      }
      if (value != null) {
        // Unset shows as 0s, and Consul then applies its built-in minimum.
        return new SessionTtlMinimum(
            value.isZero() ? CONSUL_DEFAULT : value, Optional.empty(), true);
      }
      return assumed("/v1/agent/self has no DebugConfig.SessionTTLMin");
    } catch (IOException | IllegalArgumentException e) {
      return assumed("/v1/agent/self could not be read: " + e.getMessage());
    }
  }

  static SessionTtlMinimum assumed(String because) {
    return new SessionTtlMinimum(CONSUL_DEFAULT, Optional.of(because), true);
  }

  /**
   * The agent did not answer in time (it may be busy, or starting): nothing is known, so nothing is
   * refused here. If the timeout is too short after all, the agent refuses the session itself, and
   * that error is reported.
   */
  static SessionTtlMinimum unanswered(String because) {
    return new SessionTtlMinimum(CONSUL_DEFAULT, Optional.of(because), false);
  }

  /** The shortest session timeout: two of these (a session timeout maps to a TTL of half of it). */
  Duration minimumSessionTimeout() {
    return value.multipliedBy(2);
  }

  /** Refuses a session timeout this agent cannot honour, with an error naming the minimum. */
  void check(ConsulSettings settings) {
    if (!agentAnswered) {
      if (settings.ttl().compareTo(value) < 0) {
        LoggerFactory.getLogger(SessionTtlMinimum.class)
            .warn(
                "Could not read the Consul agent's session_ttl_min ({}); if the session"
                    + " timeout {} is below twice it ({} with Consul's default), the agent will refuse the session",
                assumedBecause.orElse(""),
                Durations.format(settings.sessionTimeout()),
                Durations.format(minimumSessionTimeout()));
      }
      return;
    }
    if (settings.ttl().compareTo(value) < 0) {
      throw new HaConfigException(
          "session timeout "
              + Durations.format(settings.sessionTimeout())
              + " is below the minimum 2 x session_ttl_min = "
              + Durations.format(minimumSessionTimeout())
              + " for the Consul agent at "
              + settings.agent()
              + " (a session timeout maps to a Consul session TTL of half of it, "
              + "and the agent grants no TTL below session_ttl_min = "
              + Durations.format(value)
              + assumedBecause.map(r -> ", Consul's default, assumed because " + r).orElse("")
              + "); use a session timeout of at least "
              + Durations.format(minimumSessionTimeout())
              + " or lower the agent's session_ttl_min");
    }
  }

  private static String abbreviate(String body) {
    String oneLine = body.replaceAll("\\s+", " ");
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
  }
}
