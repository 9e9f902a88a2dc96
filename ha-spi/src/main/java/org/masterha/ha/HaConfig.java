package org.masterha.ha;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.observe.HaObserver;

/**
 * Everything a backend needs to open a session, the same object for every backend. Immutable; build
 * it with {@link #builder()}. {@code toString()} never shows a password or token.
 */
public final class HaConfig {
  /** As in Mesos: the longest a crashed leader keeps the leadership. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

  /** Below this no store can keep a session alive across an ordinary GC pause or network hiccup. */
  public static final Duration MIN_SESSION_TIMEOUT = Duration.ofMillis(500);

  public static final Duration MAX_SESSION_TIMEOUT = Duration.ofHours(1);

  private final HaUrl url;
  private final Optional<String> backend;
  private final Duration sessionTimeout;
  private final Optional<Credentials> credentials;
  private final Optional<TlsOptions> tls;
  private final Map<String, String> options;
  private final Optional<Executor> callbackExecutor;
  private final HaObserver observer;

  private HaConfig(Builder b) {
    this.url = b.url;
    this.backend = Optional.ofNullable(b.backend);
    this.sessionTimeout = b.sessionTimeout;
    this.credentials = Optional.ofNullable(b.credentials).or(b.url::credentials);
    this.tls = Optional.ofNullable(b.tls);
    this.options = java.util.Collections.unmodifiableMap(new TreeMap<>(b.options));
    this.callbackExecutor = Optional.ofNullable(b.callbackExecutor);
    this.observer = b.observer;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A config with defaults for everything but the URL. */
  public static HaConfig of(String url) {
    return builder().url(url).build();
  }

  public HaUrl url() {
    return url;
  }

  /** The base path the masters register under (the URL's path). */
  public String basePath() {
    return url.path();
  }

  /** The backend asked for by name; when empty the URL's scheme decides. */
  public Optional<String> backend() {
    return backend;
  }

  public Duration sessionTimeout() {
    return sessionTimeout;
  }

  /** Explicit credentials, else the URL's user info. */
  public Optional<Credentials> credentials() {
    return credentials;
  }

  public Optional<TlsOptions> tls() {
    return tls;
  }

  /**
   * Backend-specific settings, e.g. {@code consul.lock-delay}; each backend documents and validates
   * its own.
   */
  public Map<String, String> options() {
    return options;
  }

  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  /**
   * Where the callers' actions on the API's futures and listeners run (a session opened with {@link
   * HaBackends#open}); when empty, a small executor of the session's own, of daemon threads started
   * on demand. Never a backend's event or I/O thread, which run the liveness deadline and the
   * store's answers.
   */
  public Optional<Executor> callbackExecutor() {
    return callbackExecutor;
  }

  /**
   * What sessions opened with this config report their connection state, renewals, elections and
   * leader changes to; {@link HaObserver#NONE} (the default) reports nothing. Module {@code
   * ha-micrometer} turns it into metrics.
   */
  public HaObserver observer() {
    return observer;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.url = url;
    b.backend = backend.orElse(null);
    b.sessionTimeout = sessionTimeout;
    // Credentials that came with the URL stay in the URL: copying them as separate ones too would
    // make build() refuse them as given twice.
    b.credentials = url.credentials().isPresent() ? null : credentials.orElse(null);
    b.tls = tls.orElse(null);
    b.options.putAll(options);
    b.callbackExecutor = callbackExecutor.orElse(null);
    b.observer = observer;
    return b;
  }

  @Override
  public String toString() {
    return "HaConfig[url="
        + url
        + ", backend="
        + backend.orElse("(from scheme)")
        + ", sessionTimeout="
        + sessionTimeout
        + ", credentials="
        + credentials.map(Credentials::toString).orElse("none")
        + ", tls="
        + tls.map(TlsOptions::toString).orElse("none")
        + ", options="
        + options
        + ", callbackExecutor="
        + (callbackExecutor.isPresent() ? "given" : "default")
        + (observer == HaObserver.NONE ? "" : ", observer=given")
        + "]";
  }

  public static final class Builder {
    private HaUrl url;
    private String backend;
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private Credentials credentials;
    private TlsOptions tls;
    private final Map<String, String> options = new TreeMap<>();
    private Executor callbackExecutor;
    private HaObserver observer = HaObserver.NONE;

    private Builder() {}

    public Builder url(String url) {
      this.url = HaUrl.parse(url);
      return this;
    }

    public Builder url(HaUrl url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Picks the backend by name ({@code zookeeper}, {@code etcd}, {@code consul}, {@code
     * standalone}).
     */
    public Builder backend(String name) {
      if (name == null || name.isBlank()) {
        throw new HaConfigException(
            "the backend name is empty; expected e.g. zookeeper, etcd, consul, raft or standalone");
      }
      this.backend = name.strip();
      return this;
    }

    public Builder sessionTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "sessionTimeout");
      if (timeout.compareTo(MIN_SESSION_TIMEOUT) < 0
          || timeout.compareTo(MAX_SESSION_TIMEOUT) > 0) {
        throw new HaConfigException(
            "session timeout "
                + Durations.format(timeout)
                + " is out of range; accepted: "
                + Durations.format(MIN_SESSION_TIMEOUT)
                + " to "
                + Durations.format(MAX_SESSION_TIMEOUT));
      }
      this.sessionTimeout = timeout;
      return this;
    }

    public Builder credentials(Credentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    public Builder tls(TlsOptions tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Runs every action callers attach to the session's futures, and every listener, on {@code
     * executor}. It must not run tasks in the submitting thread (a direct executor, {@code
     * CallerRunsPolicy}): that thread is the backend's, and a callback blocking there would delay
     * the liveness deadline.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /**
     * Reports what each session opened with this config does to {@code observer} (see {@link
     * HaObserver}); its methods run on the backend's threads and must not block.
     */
    public Builder observer(HaObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    public Builder option(String name, String value) {
      if (name == null || name.isBlank()) {
        throw new HaConfigException("a backend option needs a name");
      }
      if (value == null) {
        options.remove(name);
      } else {
        options.put(name, value);
      }
      return this;
    }

    public HaConfig build() {
      if (url == null) {
        throw new HaConfigException("an HA URL is required, e.g. zk://127.0.0.1:2181/mesos");
      }
      if (credentials != null && url.credentials().isPresent()) {
        throw new HaConfigException(
            "credentials were given both in the HA URL and separately; give them one way");
      }
      return new HaConfig(this);
    }
  }
}
