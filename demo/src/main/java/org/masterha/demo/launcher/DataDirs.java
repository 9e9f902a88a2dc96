package org.masterha.demo.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Removing a stopped store's data: the demo keeps its logs, not etcd's 64 MB of preallocated WAL.
 */
final class DataDirs {
  private DataDirs() {}

  static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // Best effort: it is a temporary directory.
                }
              });
    } catch (IOException e) {
      // Best effort.
    }
  }
}
