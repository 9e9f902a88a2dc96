package org.masterha.bench;

import java.util.List;

/** The two recipes on each store: masterha first, the raw recipe second. */
final class Recipes {
  private Recipes() {}

  static List<Recipe> of(String store, String endpoint) {
    return switch (store) {
      case "zookeeper" -> List.of(new MasterhaRecipe("zk", endpoint), new CuratorRecipe(endpoint));
      case "etcd" -> List.of(new MasterhaRecipe("etcd", endpoint), new JetcdRecipe(endpoint));
      case "consul" -> List.of(new MasterhaRecipe("consul", endpoint), new ConsulRecipe(endpoint));
      default -> throw new IllegalArgumentException("no store " + store);
    };
  }

  static Recipe of(String store, String endpoint, String recipe) {
    return of(store, endpoint).stream()
        .filter(r -> r.name().equals(recipe))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no recipe " + recipe));
  }
}
