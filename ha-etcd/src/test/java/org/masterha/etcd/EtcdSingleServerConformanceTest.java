package org.masterha.etcd;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.SessionContract;
import org.masterha.tck.SessionFaultContract;

/**
 * The contracts whose behaviour depends on there being one server, against one real etcd server:
 * sessions and every session fault, where losing the server is losing the whole store. The
 * contracts that do not depend on the number of members (group, contender, detector, PID group,
 * state, callbacks) run against the three-member cluster ({@link EtcdClusterConformanceTest}).
 */
class EtcdSingleServerConformanceTest extends FixtureLifecycle
    implements SessionContract, SessionFaultContract {
  @Override
  protected BackendFixture createFixture() {
    return EtcdFixture.forConformance("single-conformance", 1);
  }
}
