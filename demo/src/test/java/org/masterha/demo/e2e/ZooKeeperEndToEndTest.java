package org.masterha.demo.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EmbeddedZooKeeper;
import org.masterha.demo.launcher.Store;

/**
 * The end-to-end scenarios on a real ZooKeeper server (embedded in the test JVM; the masters are
 * other JVMs).
 */
class ZooKeeperEndToEndTest extends EndToEndContract {
  @TempDir static Path storeDir;
  private static EmbeddedZooKeeper zookeeper;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zookeeper = EmbeddedZooKeeper.start(storeDir);
  }

  @AfterAll
  static void stopZooKeeper() {
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  @Override
  Store store() {
    return zookeeper;
  }
}
