package org.masterha.etcd;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/** The conformance suite against one real etcd server. */
class EtcdSingleServerConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return EtcdFixture.forConformance("single-conformance", 1);
  }
}
