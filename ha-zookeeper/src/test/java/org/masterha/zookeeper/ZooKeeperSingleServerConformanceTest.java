package org.masterha.zookeeper;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.SessionContract;
import org.masterha.tck.SessionFaultContract;

/**
 * The contracts whose behaviour depends on there being one server, against one real ZooKeeper
 * server (3 s sessions, the suite's default): sessions and every session fault, where losing the
 * server is losing the whole store. The contracts that do not depend on the number of servers
 * (group, contender, detector, PID group, state, callbacks) run once, against the ensemble ({@link
 * ZooKeeperEnsembleConformanceTest}).
 */
class ZooKeeperSingleServerConformanceTest extends FixtureLifecycle
    implements SessionContract, SessionFaultContract {
  @Override
  protected BackendFixture createFixture() {
    return ZooKeeperFixture.singleServer();
  }
}
