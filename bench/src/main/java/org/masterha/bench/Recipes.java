package org.masterha.bench;

import java.util.List;

/**
 * The recipes on each store: masterha first, the raw recipe second. The raft store has masterha's
 * only: its peers speak masterha's own protocol, so there is no third-party recipe to compare with.
 */
final class Recipes {
  private Recipes() {}

  static List<Recipe> of(String store, String endpoint) {
    return switch (store) {
      case "zookeeper" -> List.of(new MasterhaRecipe("zk", endpoint), new CuratorRecipe(endpoint));
      case "etcd" -> List.of(new MasterhaRecipe("etcd", endpoint), new JetcdRecipe(endpoint));
      case "consul" -> List.of(new MasterhaRecipe("consul", endpoint), new ConsulRecipe(endpoint));
      case "raft" -> List.of(new MasterhaRecipe("raft", endpoint));
      default -> throw new IllegalArgumentException("no store " + store);
    };
  }

  /** Whether {@code store} has a raw recipe beside masterha's. */
  static boolean hasRaw(String store) {
    return !store.equals("raft");
  }

  static Recipe of(String store, String endpoint, String recipe) {
    return of(store, endpoint).stream()
        .filter(r -> r.name().equals(recipe))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no recipe " + recipe));
  }
}
