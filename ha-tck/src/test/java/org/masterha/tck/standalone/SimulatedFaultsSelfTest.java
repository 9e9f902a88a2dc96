package org.masterha.tck.standalone;

import java.time.Duration;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.SessionFaultContract;

/**
 * Runs the suite's fault tests against {@link SimulatedFaultFixture}: a check of the tests themselves (they run
 * to the end and pass when the faults behave as the contract says), not of any backend.
 */
class SimulatedFaultsSelfTest extends FixtureLifecycle implements SessionFaultContract {
  @Override
  protected BackendFixture createFixture() {
    return new SimulatedFaultFixture();
  }

  @Override
  protected Duration sessionTimeout() {
    return Duration.ofSeconds(1);
  }
}
