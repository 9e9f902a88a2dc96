package org.masterha.etcd;

import java.nio.file.Path;
import java.util.UUID;
import org.masterha.stores.TestCertificates;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.FixtureLifecycle;
import org.masterha.tck.GroupContract;
import org.masterha.tck.SessionContract;
import org.masterha.tck.SessionFaultContract;
import org.masterha.tck.StateContract;

/**
 * The contracts that touch what TLS and authentication change, against one real etcd server with
 * both on (client certificates required): every request kind (groups, sessions, the state's
 * transactions) and every fault, restarts included (etcd forgets its auth tokens), with tokens and
 * TLS sessions in play. Detector, contender, PID group and callbacks use the same requests and run
 * on the plain servers.
 */
class EtcdSecuredConformanceTest extends FixtureLifecycle
    implements GroupContract, SessionContract, SessionFaultContract, StateContract {
  @Override
  protected BackendFixture createFixture() throws Exception {
    TestCertificates certs =
        TestCertificates.create(
            Path.of("target", "test-certs", "secured-conformance-" + UUID.randomUUID()));
    return EtcdFixture.securedForConformance(
        "secured-conformance", certs, "pw-" + UUID.randomUUID());
  }
}
