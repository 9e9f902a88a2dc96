package org.masterha.ha;

import java.util.Set;
import org.masterha.ha.error.HaConfigException;

/**
 * A coordination store backend, found with {@link java.util.ServiceLoader}: a jar that lists its
 * implementation in {@code META-INF/services/org.masterha.ha.HaBackend} makes it available by name
 * and by URL scheme. Implementations need a public no-argument constructor and hold no static
 * state.
 */
public interface HaBackend {
  /** The name users pick it by, e.g. {@code zookeeper}; lower case. */
  String name();

  /** The URL schemes it serves, e.g. {@code zk}. */
  Set<String> schemes();

  /**
   * Opens a session. The config is validated at once (a clear {@link HaConfigException} for
   * anything this backend cannot honour); connecting to the servers goes on in the background, and
   * operations wait for it.
   */
  HaSession open(HaConfig config);
}
