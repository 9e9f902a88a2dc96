package org.masterha.tck.standalone;

import java.time.Duration;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.CallbackContract;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.SessionFaultContract;

/**
 * Runs the suite's fault tests against {@link SimulatedFaultFixture}: a check of the tests
 * themselves (they run to the end and pass when the faults behave as the contract says), not of any
 * backend. The callback contract runs here too: the kit's callback executor, not the backend, is
 * what it checks.
 */
class SimulatedFaultsSelfTest extends FixtureLifecycle
    implements SessionFaultContract, CallbackContract {
  @Override
  protected BackendFixture createFixture() {
    return new SimulatedFaultFixture();
  }

  @Override
  protected Duration sessionTimeout() {
    return Duration.ofSeconds(1);
  }
}
