package org.masterha.raft;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.SessionContract;
import org.masterha.tck.SessionFaultContract;

/**
 * The contracts that depend on how the peers run, against three raft peers each in a JVM of its own
 * (as masters run them): sessions and every session fault, among them a client's connection cut, a
 * session expired by the Raft leader, every peer stopped and started again with its data, and the
 * Raft leader's process killed ({@code SIGKILL}) with no master leader change. In the default
 * build; the whole suite runs with {@code -Praft-conformance} ({@link
 * RaftProcessesConformanceTest}, {@link RaftGroupConformanceTest}).
 */
class RaftProcessesSessionConformanceTest extends FixtureLifecycle
    implements SessionContract, SessionFaultContract {
  @Override
  protected BackendFixture createFixture() {
    return RaftGroupFixture.processes(3);
  }
}
