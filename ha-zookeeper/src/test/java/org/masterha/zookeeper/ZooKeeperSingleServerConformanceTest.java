package org.masterha.zookeeper;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/**
 * The whole conformance suite against one real ZooKeeper server (3 s sessions, the suite's
 * default).
 */
class ZooKeeperSingleServerConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return ZooKeeperFixture.singleServer();
  }
}
