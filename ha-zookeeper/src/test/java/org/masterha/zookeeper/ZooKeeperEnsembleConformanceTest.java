package org.masterha.zookeeper;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/** The whole conformance suite against a real three-server ZooKeeper ensemble, including losing its leader server. */
class ZooKeeperEnsembleConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return ZooKeeperFixture.ensemble();
  }
}
