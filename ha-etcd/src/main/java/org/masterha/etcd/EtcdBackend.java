package org.masterha.etcd;

import java.util.Set;
import org.masterha.ha.HaBackend;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;

/**
 * The etcd v3 backend, on jetcd: {@code etcd://host:port[,host:port...]/path}, or {@code
 * etcds://...} for TLS (TLS is also on whenever the config carries TLS options). The default port
 * is 2379.
 *
 * <p>A session is one client and one lease whose TTL is the session timeout rounded up to whole
 * seconds; members are keys under the group's path bound to that lease, their sequence (and a
 * leader's epoch) is the key's create revision. See {@code docs/backends/etcd.md}.
 */
public final class EtcdBackend implements HaBackend {
  public static final String NAME = "etcd";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> schemes() {
    return EtcdSettings.SCHEMES;
  }

  @Override
  public HaSession open(HaConfig config) {
    return new EtcdSession(config, EtcdSettings.from(config));
  }
}
