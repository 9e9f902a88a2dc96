package org.masterha.consul;

import java.time.Duration;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/**
 * The conformance suite against a real Consul agent: {@code CONSUL_HTTP_ADDR=127.0.0.1:8500 mvn -pl
 * ha-consul -am verify} (see docs/backends/consul.md). Sessions use the smallest timeout the agent
 * allows, twice its {@code session_ttl_min}: 20s on a default agent.
 */
@EnabledIfEnvironmentVariable(
    named = RealConsulFixture.ADDRESS_VARIABLE,
    matches = ".+",
    disabledReason =
        "no real Consul agent: set CONSUL_HTTP_ADDR=host:port (and CONSUL_HTTP_TOKEN if ACLs are on) to run the suite against one")
class RealConsulConformanceTest extends ConformanceSuite {
  private Duration sessionTimeout;

  @Override
  protected BackendFixture createFixture() {
    RealConsulFixture fixture = new RealConsulFixture(System.getenv());
    sessionTimeout = fixture.minimumSessionTimeout();
    return fixture;
  }

  @Override
  protected Duration sessionTimeout() {
    return sessionTimeout == null ? Duration.ofSeconds(20) : sessionTimeout;
  }
}
