package org.masterha.raft;

import java.time.Duration;
import java.util.List;
import org.masterha.ha.Endpoint;
import org.masterha.ha.HaConfig;
import org.masterha.ha.error.HaConfigException;
import org.masterha.raft.server.RaftNode;

/** The raft backend's settings, validated from an {@link HaConfig}. */
record RaftSettings(
    List<String> endpoints, String basePath, Duration sessionTimeout, String group) {
  static final int DEFAULT_PORT = 7070;

  /** The Ratis group the peers serve; they and every client must name the same one. */
  static final String GROUP_OPTION = "raft.group";

  static RaftSettings from(HaConfig config) {
    if (config.url().endpoints().isEmpty()) {
      throw new HaConfigException(
          "the raft backend needs the peers' addresses, e.g. raft://10.0.0.1:7070,10.0.0.2:7070,10.0.0.3:7070/mesos");
    }
    if (config.credentials().isPresent()) {
      throw new HaConfigException(
          "the raft backend has no authentication yet; drop the credentials from " + config.url());
    }
    if (config.tls().isPresent()) {
      throw new HaConfigException("the raft backend has no TLS yet; drop the TLS options");
    }
    for (String option : config.options().keySet()) {
      if (!option.equals(GROUP_OPTION)) {
        throw new HaConfigException(
            "unknown raft backend option '" + option + "'; accepted: " + GROUP_OPTION);
      }
    }
    List<String> endpoints =
        config.url().endpoints().stream()
            .map((Endpoint e) -> e.withDefaultPort(DEFAULT_PORT).toString())
            .toList();
    return new RaftSettings(
        endpoints,
        config.basePath(),
        config.sessionTimeout(),
        config.option(GROUP_OPTION).orElse(RaftNode.DEFAULT_GROUP));
  }
}
