package org.masterha.consul;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import org.masterha.ha.HaSession;

final class ConsulTestSupport {
  private ConsulTestSupport() {}

  /**
   * The client's live Consul session id, creating one if it has none yet (a client makes its first
   * Consul session when it first joins) and waiting for it.
   */
  static String liveSessionId(HaSession session) {
    ConsulSession s = session.unwrap(ConsulSession.class);
    s.live();
    return await("a live Consul session for " + session)
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(s::liveSessionId, Optional::isPresent)
        .orElseThrow();
  }
}
