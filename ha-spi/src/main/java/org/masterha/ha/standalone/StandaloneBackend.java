package org.masterha.ha.standalone;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.masterha.ha.HaBackend;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;

/**
 * The whole SPI in one JVM with no store and no HA (Mesos' standalone contender and detector,
 * generalised): what a single master runs with, and the reference the conformance kit is checked
 * against.
 *
 * <p>URL: {@code standalone:///path} (or {@code standalone://name/path}: sessions that name the
 * same store share it). The store is held by this backend instance, so sessions opened through one
 * {@link org.masterha.ha.HaBackends} see each other and nothing else does.
 */
public final class StandaloneBackend implements HaBackend {
  /**
   * Where a single master keeps its state variables across its own restarts; unset: in memory only.
   */
  public static final String STATE_FILE_OPTION = "standalone.state-file";

  private final ConcurrentMap<String, InMemoryStore> stores = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "standalone";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("standalone");
  }

  @Override
  public HaSession open(HaConfig config) {
    if (config.url().endpoints().size() > 1) {
      throw new HaConfigException(
          "the standalone backend takes at most one store name, got "
              + config.url().endpoints().size()
              + " hosts in "
              + config.url());
    }
    if (config.tls().isPresent()) {
      throw new HaConfigException(
          "the standalone backend has no network connection to secure; drop the TLS options");
    }
    for (String option : config.options().keySet()) {
      if (!option.equals(STATE_FILE_OPTION)) {
        throw new HaConfigException(
            "unknown standalone backend option '" + option + "'; accepted: " + STATE_FILE_OPTION);
      }
    }
    String name =
        config.url().endpoints().isEmpty() ? "" : config.url().endpoints().get(0).toString();
    InMemoryStore store = stores.computeIfAbsent(name, InMemoryStore::new);
    config.option(STATE_FILE_OPTION).ifPresent(file -> store.attachStateFile(Path.of(file)));
    return new StandaloneSession(config, store);
  }
}
