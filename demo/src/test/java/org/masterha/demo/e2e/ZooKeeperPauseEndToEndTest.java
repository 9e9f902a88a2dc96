package org.masterha.demo.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EmbeddedZooKeeper;
import org.masterha.demo.launcher.Store;

/**
 * The pause scenarios on a real ZooKeeper server (embedded in the test JVM, tick 250 ms, so the 2 s
 * session timeout is honoured: the server's minimum is 2 ticks); members and their {@code
 * ephemeralOwner} are read with a plain ZooKeeper client.
 */
class ZooKeeperPauseEndToEndTest extends PauseEndToEndContract {
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

  @Override
  StoreMembers storeMembers(String url) throws Exception {
    return StoreMembers.zooKeeper(zookeeper.connectString());
  }
}
