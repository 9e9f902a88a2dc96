package org.masterha.demo.launcher;

import java.time.Duration;
import org.masterha.consul.fake.FakeConsul;

/**
 * The project's fake of Consul's HTTP API (module consul-fake), in this JVM on a free loopback
 * port, for running the demo and the end-to-end tests on the consul backend where no Consul agent
 * runs. It is not Consul, and says so.
 */
public final class FakeConsulStore implements Store {
  private final FakeConsul consul;

  private FakeConsulStore(FakeConsul consul) {
    this.consul = consul;
  }

  /**
   * {@code sessionTtlMin} plays Consul's {@code session_ttl_min}: short demo timeouts need it
   * lowered.
   */
  public static FakeConsulStore start(Duration sessionTtlMin) {
    return new FakeConsulStore(FakeConsul.builder().sessionTtlMin(sessionTtlMin).build().start());
  }

  @Override
  public String backend() {
    return "consul";
  }

  @Override
  public String url(String basePath) {
    return "consul://" + consul.hostAndPort() + basePath;
  }

  @Override
  public String describe() {
    return "consul-fake (the project's fake of Consul's HTTP API, not a real Consul) at "
        + consul.hostAndPort();
  }

  @Override
  public void close() {
    consul.close();
  }
}
