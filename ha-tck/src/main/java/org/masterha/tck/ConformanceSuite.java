package org.masterha.tck;

/**
 * The whole conformance suite against one backend. A backend's test module runs it with one class:
 *
 * <pre>{@code
 * class ZooKeeperSingleServerConformanceTest extends ConformanceSuite {
 *   @Override
 *   protected BackendFixture createFixture() {
 *     return new ZooKeeperFixture(1);
 *   }
 * }
 * }</pre>
 *
 * <p>Tests that need a fault the fixture cannot inject are reported as skipped. See {@link
 * FixtureLifecycle} for the lifecycle and {@link FixtureLifecycle#sessionTimeout()} for the
 * clients' session timeout.
 */
public abstract class ConformanceSuite extends FixtureLifecycle
    implements GroupContract,
        SessionContract,
        ContenderContract,
        DetectorContract,
        PidGroupContract,
        SessionFaultContract,
        StateContract,
        CallbackContract {}
