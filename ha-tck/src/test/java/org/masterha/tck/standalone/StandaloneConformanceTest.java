package org.masterha.tck.standalone;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/** The reference backend passes the suite, except the faults it has no network or server for. */
class StandaloneConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return new StandaloneFixture();
  }
}
