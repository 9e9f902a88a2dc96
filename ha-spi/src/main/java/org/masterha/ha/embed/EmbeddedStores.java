package org.masterha.ha.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.masterha.ha.error.BackendNotFoundException;
import org.masterha.ha.error.HaConfigException;

/** The {@link EmbeddedStoreProvider}s on the class path, found with {@link ServiceLoader}. */
public final class EmbeddedStores {
  private final List<EmbeddedStoreProvider> providers;

  private EmbeddedStores(List<EmbeddedStoreProvider> providers) {
    this.providers = List.copyOf(providers);
  }

  /** The providers visible to the thread's context class loader (else this class's loader). */
  public static EmbeddedStores load() {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    List<EmbeddedStoreProvider> found = new ArrayList<>();
    try {
      ServiceLoader.load(
              EmbeddedStoreProvider.class, cl != null ? cl : EmbeddedStores.class.getClassLoader())
          .forEach(found::add);
    } catch (ServiceConfigurationError e) {
      throw new HaConfigException(
          "an embedded store on the class path could not be loaded: " + e.getMessage(), e);
    }
    return new EmbeddedStores(found);
  }

  public static EmbeddedStores of(EmbeddedStoreProvider... providers) {
    return new EmbeddedStores(List.of(providers));
  }

  /** The backends that can run a peer in this process. */
  public List<String> backends() {
    return providers.stream().map(EmbeddedStoreProvider::backend).sorted().toList();
  }

  /** The provider of backend {@code name}; the error says which backends can be embedded. */
  public EmbeddedStoreProvider byBackend(String name) {
    return providers.stream()
        .filter(p -> p.backend().equalsIgnoreCase(name))
        .findFirst()
        .orElseThrow(
            () ->
                new BackendNotFoundException(
                    "the "
                        + name
                        + " backend is not on the class path, so this process cannot run a "
                        + name
                        + " peer; backends that can: "
                        + (providers.isEmpty() ? "none" : String.join(", ", backends())),
                    backends()));
  }
}
