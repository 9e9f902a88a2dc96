package org.masterha.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.masterha.ha.Credentials;
import org.masterha.ha.Durations;
import org.masterha.ha.HaConfig;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;

/**
 * An {@link HaConfig} checked and translated for etcd: the client endpoints, whether to speak TLS,
 * the lease TTL that matches the session timeout, and the credentials. Everything wrong is refused
 * here, before any connection is made.
 */
record EtcdSettings(
    List<URI> endpoints,
    boolean tls,
    Optional<TlsOptions> tlsOptions,
    Optional<Credentials> credentials,
    Duration sessionTimeout,
    long ttlSeconds,
    String basePath) {

  static final String SCHEME = "etcd";
  static final String TLS_SCHEME = "etcds";
  static final Set<String> SCHEMES = Set.of(SCHEME, TLS_SCHEME);
  static final int DEFAULT_PORT = 2379;
  static final String OPTION_PREFIX = "etcd.";

  static EtcdSettings from(HaConfig config) {
    String scheme = config.url().scheme();
    if (!SCHEMES.contains(scheme)) {
      throw new HaConfigException(
          "the etcd backend serves etcd:// and etcds:// (TLS) URLs, not " + scheme + "://");
    }
    if (config.url().endpoints().isEmpty()) {
      throw new HaConfigException(
          "the etcd URL "
              + config.url()
              + " names no server; expected "
              + scheme
              + "://host:port[,host:port...]/path, e.g. etcd://127.0.0.1:2379/mesos");
    }
    for (String option : config.options().keySet()) {
      if (option.startsWith(OPTION_PREFIX)) {
        throw new HaConfigException(
            "unknown etcd option '"
                + option
                + "'; the etcd backend has no options of its own "
                + "(the session timeout, credentials and TLS settings are configured directly)");
      }
    }
    Optional<Credentials> credentials = config.credentials();
    if (credentials.isPresent() && credentials.get().isToken()) {
      throw new HaConfigException(
          "etcd authenticates with 'user:password'; a bare token was given");
    }
    boolean tls = scheme.equals(TLS_SCHEME) || config.tls().isPresent();
    String httpScheme = tls ? "https" : "http";
    List<URI> endpoints =
        config.url().endpoints().stream()
            .map(e -> e.withDefaultPort(DEFAULT_PORT))
            .map(e -> URI.create(httpScheme + "://" + e))
            .toList();
    Duration timeout = config.sessionTimeout();
    // etcd's lease TTL is in whole seconds: round up, so the store never expires us before our own
    // deadline.
    long ttl = (timeout.toMillis() + 999) / 1000;
    return new EtcdSettings(
        endpoints, tls, config.tls(), credentials, timeout, ttl, config.basePath());
  }

  /** The error for a cluster whose smallest lease TTL is longer than our session timeout. */
  HaConfigException ttlTooSmall(long grantedTtl) {
    return new HaConfigException(
        "session timeout "
            + Durations.format(sessionTimeout)
            + " is shorter than this etcd cluster's "
            + "minimum lease TTL of "
            + grantedTtl
            + "s (etcd grants at least 1.5 x its election timeout, rounded up to whole "
            + "seconds): etcd would keep a crashed leader's keys for "
            + grantedTtl
            + "s; use a session timeout of at least "
            + grantedTtl
            + "s, or lower the cluster's --election-timeout");
  }
}
