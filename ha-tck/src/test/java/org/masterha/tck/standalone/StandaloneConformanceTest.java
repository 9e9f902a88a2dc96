package org.masterha.tck.standalone;

import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;
import org.masterha.tck.example.MinimalFixture;

/**
 * The reference backend passes the suite, except the faults it has no network or server for; run
 * with the kit's {@link MinimalFixture}, which so proves itself a working example.
 */
class StandaloneConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() {
    return new MinimalFixture();
  }
}
