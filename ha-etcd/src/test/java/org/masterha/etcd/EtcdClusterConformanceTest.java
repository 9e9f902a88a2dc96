package org.masterha.etcd;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/** The conformance suite against a real 3-member etcd cluster, including losing its raft leader. */
class EtcdClusterConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return EtcdFixture.forConformance("cluster-conformance", 3);
  }
}
