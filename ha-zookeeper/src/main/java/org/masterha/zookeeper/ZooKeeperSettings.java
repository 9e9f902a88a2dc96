package org.masterha.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.AuthInfo;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.ACL;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaConfig;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;

/**
 * An {@link HaConfig} checked and translated for ZooKeeper, once, when the session is opened:
 * everything this backend cannot honour is refused here with a message that says what is accepted.
 */
final class ZooKeeperSettings {
  static final int DEFAULT_PORT = 2181;

  /**
   * Options for this backend start with this; it accepts none today, so any is a typo worth
   * reporting.
   */
  static final String OPTION_PREFIX = "zookeeper.";

  private final HaConfig config;
  private final String connectString;
  private final Duration sessionTimeout;
  private final Optional<Credentials> credentials;
  private final List<ACL> acl;
  private final List<ACL> stateAcl;

  private ZooKeeperSettings(HaConfig config) {
    this.config = config;
    if (config.url().endpoints().isEmpty()) {
      throw new HaConfigException(
          "HA URL "
              + config.url()
              + " names no ZooKeeper server; expected zk://host:port[,host:port...]/path");
    }
    this.connectString = config.url().hostList(DEFAULT_PORT);
    try {
      PathUtils.validatePath(config.basePath());
    } catch (IllegalArgumentException e) {
      throw new HaConfigException(
          "HA URL path '"
              + config.basePath()
              + "' is not a valid ZooKeeper path: "
              + e.getMessage());
    }
    if (config.basePath().equals("/zookeeper") || config.basePath().startsWith("/zookeeper/")) {
      throw new HaConfigException(
          "HA URL path '"
              + config.basePath()
              + "' is not a valid ZooKeeper path: /zookeeper is reserved"
              + " for the servers' own use; pick another base path, e.g. /mesos");
    }
    for (String option : config.options().keySet()) {
      if (option.startsWith(OPTION_PREFIX)) {
        throw new HaConfigException(
            "unknown zookeeper backend option '"
                + option
                + "'; accepted: none (the session timeout and credentials have settings of their own)");
      }
    }
    this.credentials = config.credentials();
    if (credentials.isPresent() && credentials.get().isToken()) {
      throw new HaConfigException(
          "ZooKeeper digest authentication needs user:password credentials, not a bare token");
    }
    this.sessionTimeout = config.sessionTimeout();
    // Mesos' EVERYONE_READ_CREATOR_ALL when authenticated: our members stay readable by every
    // detector but can
    // only be changed by the identity that created them.
    List<ACL> list = new ArrayList<>();
    if (credentials.isPresent()) {
      list.addAll(ZooDefs.Ids.CREATOR_ALL_ACL);
      list.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
    } else {
      list.addAll(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }
    // Not List.copyOf: ZooKeeper's client asks the list whether it contains null, which immutable
    // lists refuse.
    this.acl = java.util.Collections.unmodifiableList(list);
    // The replicated state is the master's own record (Mesos keeps its registry in the masters'
    // replicated log,
    // readable by no one else): creator-all only, no world read. Detection never needs it.
    this.stateAcl =
        java.util.Collections.unmodifiableList(
            new ArrayList<>(
                credentials.isPresent()
                    ? ZooDefs.Ids.CREATOR_ALL_ACL
                    : ZooDefs.Ids.OPEN_ACL_UNSAFE));
  }

  static ZooKeeperSettings of(HaConfig config) {
    return new ZooKeeperSettings(config);
  }

  HaConfig config() {
    return config;
  }

  String connectString() {
    return connectString;
  }

  String basePath() {
    return config.basePath();
  }

  Duration sessionTimeout() {
    return sessionTimeout;
  }

  List<ACL> acl() {
    return acl;
  }

  /** The ACL of the state's znodes ({@code <base>/state} and its variables). */
  List<ACL> stateAcl() {
    return stateAcl;
  }

  /**
   * The digest auth to present, if any. The only place the password is revealed: ZooKeeper's client
   * needs the clear {@code user:password} bytes to add the auth info.
   */
  Optional<AuthInfo> auth() {
    return credentials.map(
        c ->
            new AuthInfo(
                "digest",
                (c.username().orElseThrow() + ":" + c.secret().reveal())
                    .getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The TLS material, if the session speaks TLS: it does whenever the config carries TLS options
   * (the URL must then name the servers' {@code secureClientPort}).
   */
  Optional<TlsOptions> tls() {
    return config.tls();
  }

  /** The servers of the URL, each with its port, for the TLS probe. */
  java.util.List<java.net.InetSocketAddress> servers() {
    return config.url().endpoints().stream()
        .map(e -> e.withDefaultPort(DEFAULT_PORT))
        .map(e -> java.net.InetSocketAddress.createUnresolved(e.host(), e.port()))
        .toList();
  }

  /** The user name we authenticate as, for messages; never the password. */
  Optional<String> user() {
    return credentials.flatMap(Credentials::username);
  }
}
