package org.masterha.zookeeper;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/**
 * The whole conformance suite against one real ZooKeeper server (3 s sessions, the suite's
 * default). The faults that depend on there being several servers run on the ensemble too ({@link
 * ZooKeeperEnsembleConformanceTest}).
 */
class ZooKeeperSingleServerConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return ZooKeeperFixture.singleServer();
  }
}
