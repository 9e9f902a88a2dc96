package org.masterha.stores;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds Debian's etcd server binary; the tests fail, loudly, without it. */
public final class EtcdBinary {
  private EtcdBinary() {}

  public static Path find() {
    Path standard = Path.of("/usr/bin/etcd");
    if (Files.isExecutable(standard)) {
      return standard;
    }
    String pathVariable = System.getenv("PATH");
    if (pathVariable != null) {
      for (String dir : pathVariable.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, "etcd");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new AssertionError(
        "etcd is not installed, and the etcd backend is tested against real etcd servers. "
            + "Run the README's test command, bin/test, which installs Debian's etcd-server when it is missing, or install it "
            + "yourself: apt-get install etcd-server");
  }
}
