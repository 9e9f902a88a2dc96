package org.masterha.raft;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/**
 * The whole conformance suite against three raft peers each in a JVM of its own, as masters run
 * them; STOP_LEADER_SERVER is a SIGKILL of the Raft leader's process.
 */
class RaftProcessesConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return RaftGroupFixture.processes(3);
  }
}
