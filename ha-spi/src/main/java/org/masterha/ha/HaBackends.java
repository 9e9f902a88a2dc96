package org.masterha.ha;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.masterha.ha.error.BackendNotFoundException;
import org.masterha.ha.error.HaConfigException;

/**
 * The backends on the classpath, found with {@link ServiceLoader}. An instance, not static state:
 * each holds its own backend instances (the standalone backend's in-memory store lives in one).
 *
 * <pre>{@code
 * HaBackends backends = HaBackends.load();
 * try (HaSession session = backends.open(HaConfig.of("zk://127.0.0.1:2181/mesos"))) { ... }
 * }</pre>
 */
public final class HaBackends {
  private final Map<String, HaBackend> byName;
  private final Map<String, HaBackend> byScheme;

  private HaBackends(Iterable<HaBackend> found) {
    Map<String, HaBackend> names = new TreeMap<>();
    Map<String, HaBackend> schemes = new TreeMap<>();
    for (HaBackend backend : found) {
      String name = backend.name().toLowerCase(Locale.ROOT);
      HaBackend clash = names.putIfAbsent(name, backend);
      if (clash != null) {
        throw new HaConfigException(
            "two backends on the classpath are named '"
                + name
                + "': "
                + clash.getClass().getName()
                + " and "
                + backend.getClass().getName()
                + "; remove one of the jars");
      }
      for (String scheme : backend.schemes()) {
        HaBackend other = schemes.putIfAbsent(scheme.toLowerCase(Locale.ROOT), backend);
        if (other != null) {
          throw new HaConfigException(
              "URL scheme '"
                  + scheme
                  + "' is claimed by both the '"
                  + other.name()
                  + "' and the '"
                  + backend.name()
                  + "' backend; remove one of the jars");
        }
      }
    }
    this.byName = Collections.unmodifiableMap(names);
    this.byScheme = Collections.unmodifiableMap(schemes);
  }

  /** The backends visible to the thread's context class loader (else this class's loader). */
  public static HaBackends load() {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    return load(cl != null ? cl : HaBackends.class.getClassLoader());
  }

  public static HaBackends load(ClassLoader loader) {
    List<HaBackend> found = new ArrayList<>();
    try {
      ServiceLoader.load(HaBackend.class, loader).forEach(found::add);
    } catch (ServiceConfigurationError e) {
      throw new HaConfigException(
          "a backend on the classpath could not be loaded: " + e.getMessage(), e);
    }
    return new HaBackends(found);
  }

  /** For tests and embedders that assemble backends themselves. */
  public static HaBackends of(HaBackend... backends) {
    return new HaBackends(List.of(backends));
  }

  /** The names of the available backends, sorted. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** The URL schemes the available backends serve, sorted. */
  public List<String> schemes() {
    return List.copyOf(byScheme.keySet());
  }

  public HaBackend byName(String name) {
    HaBackend b = byName.get(name.toLowerCase(Locale.ROOT));
    if (b == null) {
      throw new BackendNotFoundException(
          "no HA backend named '"
              + name
              + "' is on the classpath; available: "
              + describe()
              + (name.equalsIgnoreCase("zk")
                  ? " (the ZooKeeper backend is named 'zookeeper')"
                  : ""),
          names());
    }
    return b;
  }

  public HaBackend byScheme(String scheme) {
    HaBackend b = byScheme.get(scheme.toLowerCase(Locale.ROOT));
    if (b == null) {
      throw new BackendNotFoundException(
          "no HA backend for URL scheme '"
              + scheme
              + "://' is on the classpath; available: "
              + describe(),
          names());
    }
    return b;
  }

  /**
   * The backend for {@code config}: the one named, which must also serve the URL's scheme, else the
   * one the scheme names.
   */
  public HaBackend resolve(HaConfig config) {
    String scheme = config.url().scheme();
    if (config.backend().isPresent()) {
      HaBackend named = byName(config.backend().get());
      // Case-insensitive, like the scheme registry above: a backend may declare "ZK" and still
      // serve zk://.
      if (named.schemes().stream().noneMatch(s -> s.equalsIgnoreCase(scheme))) {
        throw new HaConfigException(
            "backend '"
                + named.name()
                + "' was asked for, but the HA URL's scheme '"
                + scheme
                + "://' is not one of its schemes "
                + new java.util.TreeSet<>(named.schemes())
                + "; make them agree");
      }
      return named;
    }
    return byScheme(scheme);
  }

  /**
   * Resolves the backend for {@code config} and opens a session with it. The session hands out
   * every future and listener on {@link HaConfig#callbackExecutor()} (see {@link CallbackSession}),
   * and its detectors and candidacies share one detection of the leader.
   */
  public HaSession open(HaConfig config) {
    HaSession session = resolve(config).open(config);
    return new CallbackSession(session);
  }

  private String describe() {
    if (byName.isEmpty()) {
      return "none (put a backend jar such as ha-zookeeper on the classpath)";
    }
    List<String> parts = new ArrayList<>();
    byName.forEach(
        (name, b) ->
            parts.add(
                name
                    + " ("
                    + String.join(
                        ", ",
                        new java.util.TreeSet<>(b.schemes()).stream().map(s -> s + "://").toList())
                    + ")"));
    return String.join(", ", parts);
  }
}
