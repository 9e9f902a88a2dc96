package org.masterha.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The tarball on disk: unpacked as a user would, with tar. */
final class Distribution {
  private Distribution() {}

  /** Unpacks {@code tarball} into {@code dir}; returns {@code dir}. */
  static Path unpack(Path tarball, Path dir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(tarball)) {
      throw new IllegalStateException(tarball + " is missing; mvn package makes it");
    }
    Files.createDirectories(dir);
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(tar.getInputStream().readAllBytes());
    if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
      throw new IllegalStateException("tar -xzf " + tarball + " failed: " + out);
    }
    return dir;
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
