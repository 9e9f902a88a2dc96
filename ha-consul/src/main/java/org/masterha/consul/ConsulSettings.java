package org.masterha.consul;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.masterha.ha.Credentials;
import org.masterha.ha.Durations;
import org.masterha.ha.Endpoint;
import org.masterha.ha.HaConfig;
import org.masterha.ha.Secret;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;

/**
 * An {@link HaConfig} read the Consul way, validated once: the agent's address, the key prefix, the
 * timeout mapping and the ACL token. Immutable; {@code toString()} never shows the token.
 *
 * <h2>Timeout mapping</h2>
 *
 * The session timeout is the longest a crashed leader keeps the leadership. Consul reaps a TTL
 * session between one and two TTLs after its last renewal, so the Consul session's TTL is half the
 * session timeout; the client renews it every quarter TTL and, measured locally from the send time
 * of the last confirmed renewal, gives up on it after one TTL, the soonest Consul may invalidate
 * it.
 */
final class ConsulSettings {
  static final int DEFAULT_PORT = 8500;
  static final String SCHEME = "consul";
  static final String HTTPS_SCHEME = "consul+https";

  /** Option: the Consul session's lock-delay. */
  static final String LOCK_DELAY_OPTION = "consul.lock-delay";

  /**
   * Every member key is fresh and never re-acquired, so Consul's lock-delay (15s by default) would
   * protect nothing of ours; 0 keeps a restarted master from waiting on it should anyone ever
   * re-acquire a key.
   */
  static final Duration DEFAULT_LOCK_DELAY = Duration.ZERO;

  /** Consul caps lock-delay at 60s. */
  static final Duration MAX_LOCK_DELAY = Duration.ofSeconds(60);

  static final Set<String> OPTIONS = Set.of(LOCK_DELAY_OPTION);

  private final HaConfig config;
  private final boolean https;
  private final Endpoint agent;
  private final String keyPrefix;
  private final Duration ttl;
  private final Duration lockDelay;
  private final Optional<Secret> token;
  private final Optional<TlsOptions> tls;

  private ConsulSettings(
      HaConfig config,
      boolean https,
      Endpoint agent,
      String keyPrefix,
      Duration lockDelay,
      Optional<Secret> token) {
    this.config = config;
    this.https = https;
    this.agent = agent;
    this.keyPrefix = keyPrefix;
    this.ttl = config.sessionTimeout().dividedBy(2);
    this.lockDelay = lockDelay;
    this.token = token;
    this.tls = config.tls();
  }

  static ConsulSettings from(HaConfig config) {
    String scheme = config.url().scheme();
    boolean https;
    if (scheme.equals(SCHEME)) {
      https = false;
    } else if (scheme.equals(HTTPS_SCHEME)) {
      https = true;
    } else {
      throw new HaConfigException(
          "the consul backend serves "
              + SCHEME
              + ":// and "
              + HTTPS_SCHEME
              + ":// URLs, not "
              + scheme
              + "://");
    }
    if (!https && config.tls().isPresent()) {
      throw new HaConfigException(
          "TLS options were given for a plain-HTTP "
              + SCHEME
              + ":// URL; use "
              + HTTPS_SCHEME
              + "://host:port/path to talk to the agent over HTTPS, or drop the TLS options");
    }
    if (config.url().endpoints().size() > 1) {
      throw new HaConfigException(
          "a "
              + scheme
              + ":// URL names one Consul agent (clients talk to their local agent), got "
              + config.url().endpoints().size()
              + " hosts: "
              + config.url().hostList(DEFAULT_PORT));
    }
    Endpoint agent =
        config.url().endpoints().isEmpty()
            ? new Endpoint("127.0.0.1", DEFAULT_PORT)
            : config.url().endpoints().get(0).withDefaultPort(DEFAULT_PORT);

    Optional<Secret> token = Optional.empty();
    if (config.credentials().isPresent()) {
      Credentials c = config.credentials().get();
      if (!c.isToken()) {
        throw new HaConfigException(
            "Consul takes an ACL token, not a user name and password; give the token alone "
                + "(in a credentials file or an environment variable)");
      }
      token = Optional.of(c.secret());
    }

    for (String name : config.options().keySet()) {
      if (name.startsWith("consul.") && !OPTIONS.contains(name)) {
        throw new HaConfigException(
            "unknown Consul option '" + name + "'; accepted: " + new TreeSet<>(OPTIONS));
      }
    }
    Duration lockDelay =
        config
            .option(LOCK_DELAY_OPTION)
            .map(v -> Durations.parse(v, "option " + LOCK_DELAY_OPTION))
            .orElse(DEFAULT_LOCK_DELAY);
    if (lockDelay.isNegative() || lockDelay.compareTo(MAX_LOCK_DELAY) > 0) {
      throw new HaConfigException(
          "option "
              + LOCK_DELAY_OPTION
              + " = "
              + config.option(LOCK_DELAY_OPTION).orElseThrow()
              + " is out of range; accepted: 0s to "
              + Durations.format(MAX_LOCK_DELAY));
    }
    if (lockDelay.toNanos() % 1_000_000 != 0) {
      throw new HaConfigException("option " + LOCK_DELAY_OPTION + " must be whole milliseconds");
    }
    return new ConsulSettings(config, https, agent, keyPrefix(config.basePath()), lockDelay, token);
  }

  /** Consul keys have no leading slash: {@code /mesos} is stored under {@code mesos/}. */
  private static String keyPrefix(String basePath) {
    return basePath.startsWith("/") ? basePath.substring(1) : basePath;
  }

  HaConfig config() {
    return config;
  }

  boolean https() {
    return https;
  }

  Endpoint agent() {
    return agent;
  }

  /** {@code http://host:port} or {@code https://host:port}. */
  URI agentUri() {
    return URI.create((https ? "https" : "http") + "://" + agent);
  }

  /** The base path's key, without leading slash, e.g. {@code mesos}. */
  String keyPrefix() {
    return keyPrefix;
  }

  Duration sessionTimeout() {
    return config.sessionTimeout();
  }

  /**
   * The Consul session's TTL: half the session timeout, since Consul may take up to two TTLs to
   * reap.
   */
  Duration ttl() {
    return ttl;
  }

  /**
   * How often the session is renewed: four times per TTL, so a renewal or two may be lost without
   * harm.
   */
  Duration renewInterval() {
    return max(ttl.dividedBy(4), Duration.ofMillis(50));
  }

  /**
   * Connect, read and write timeout of every request but blocking queries: half a TTL, so a request
   * stuck on a dead connection gives way to a retry on a fresh one well before the session
   * deadline.
   */
  Duration requestTimeout() {
    return clamp(ttl.dividedBy(2), Duration.ofMillis(500), Duration.ofSeconds(10));
  }

  /**
   * How long a blocking query waits for a change (whole seconds, as consul-client reads the wait):
   * short, so a watch stuck on a connection that died silently is re-issued soon.
   */
  Duration blockingWait() {
    long s = config.sessionTimeout().dividedBy(2).toSeconds();
    return Duration.ofSeconds(Math.max(1, Math.min(5, s)));
  }

  Duration lockDelay() {
    return lockDelay;
  }

  /** The ACL token; only {@link ConsulClients} reveals it, into the X-Consul-Token header. */
  Optional<Secret> token() {
    return token;
  }

  Optional<TlsOptions> tls() {
    return tls;
  }

  private static Duration clamp(Duration d, Duration min, Duration max) {
    return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return "ConsulSettings["
        + agentUri()
        + ", prefix="
        + keyPrefix
        + ", ttl="
        + Durations.format(ttl)
        + ", lockDelay="
        + Durations.format(lockDelay)
        + ", token="
        + token.map(Secret::toString).orElse("none")
        + "]";
  }
}
