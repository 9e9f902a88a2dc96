package org.masterha.consul;

import java.time.Duration;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/**
 * The conformance suite against the project's Consul fake, with every fault it can inject: cut
 * connections, session expiry and a restart on the same port. 4s sessions: a 2s Consul TTL, allowed
 * by the fake's lowered {@code session_ttl_min} of 1s.
 */
class FakeConsulConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return new FakeConsulFixture();
  }

  @Override
  protected Duration sessionTimeout() {
    return Duration.ofSeconds(4);
  }
}
