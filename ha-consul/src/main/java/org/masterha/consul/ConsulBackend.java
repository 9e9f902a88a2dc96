package org.masterha.consul;

import java.util.Optional;
import java.util.Set;
import org.masterha.ha.HaBackend;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;

/**
 * The Consul backend: {@code consul://host:port/path} (HTTP, port 8500 by default) and {@code
 * consul+https://host:port/path} (HTTPS with the config's TLS options).
 *
 * <p>{@link #open} validates the config and asks the agent once, with a short timeout, for its
 * {@code session_ttl_min}, refusing a session timeout below twice that minimum; when the agent
 * can't be asked, Consul's default of 10s is assumed, and the error says so. The Consul session
 * itself is created in the background.
 */
public final class ConsulBackend implements HaBackend {
  @Override
  public String name() {
    return "consul";
  }

  @Override
  public Set<String> schemes() {
    return Set.of(ConsulSettings.SCHEME, ConsulSettings.HTTPS_SCHEME);
  }

  @Override
  public HaSession open(HaConfig config) {
    ConsulSettings settings = ConsulSettings.from(config);
    Optional<PemTls> tls = settings.tls().map(PemTls::load);
    SessionTtlMinimum.read(settings, tls).check(settings);
    return new ConsulSession(settings, tls);
  }
}
