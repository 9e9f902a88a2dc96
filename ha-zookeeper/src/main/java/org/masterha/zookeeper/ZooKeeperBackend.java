package org.masterha.zookeeper;

import java.util.Set;
import org.masterha.ha.HaBackend;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;

/**
 * The ZooKeeper backend, {@code zk://[user:password@]host:port[,host:port...]/path}, laid out
 * exactly as Apache Mesos lays out its masters and replicated-log replicas, so Mesos and masterha
 * masters can share a path. Found by {@link java.util.ServiceLoader} under the name {@code
 * zookeeper}.
 */
public final class ZooKeeperBackend implements HaBackend {
  public static final String NAME = "zookeeper";
  public static final String SCHEME = "zk";
  public static final int DEFAULT_PORT = ZooKeeperSettings.DEFAULT_PORT;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  @Override
  public HaSession open(HaConfig config) {
    if (!SCHEME.equals(config.url().scheme())) {
      throw new HaConfigException(
          "the zookeeper backend serves "
              + SCHEME
              + ":// URLs, not "
              + config.url().scheme()
              + "://; expected zk://host:port[,host:port...]/path");
    }
    return ZooKeeperSession.open(ZooKeeperSettings.of(config));
  }

  @Override
  public String toString() {
    return "ZooKeeperBackend";
  }
}
