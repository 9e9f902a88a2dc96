package org.masterha.etcd;

import java.nio.file.Path;
import java.util.UUID;
import org.masterha.stores.TestCertificates;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.ConformanceSuite;

/**
 * The conformance suite against one real etcd server with both TLS (client certificates required)
 * and authentication on: every fault, restarts included, also holds with tokens and TLS sessions in
 * play.
 */
class EtcdSecuredConformanceTest extends ConformanceSuite {
  @Override
  protected BackendFixture createFixture() throws Exception {
    TestCertificates certs =
        TestCertificates.create(
            Path.of("target", "test-certs", "secured-conformance-" + UUID.randomUUID()));
    return EtcdFixture.securedForConformance(
        "secured-conformance", certs, "pw-" + UUID.randomUUID());
  }
}
