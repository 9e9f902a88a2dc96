package org.masterha.raft;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/** The whole conformance suite against a group of three raft peers (in this JVM for now). */
class RaftGroupConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return RaftGroupFixture.inProcess(3);
  }
}
