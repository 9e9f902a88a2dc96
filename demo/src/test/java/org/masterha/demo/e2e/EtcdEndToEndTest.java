package org.masterha.demo.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EtcdServer;
import org.masterha.demo.launcher.Store;

/**
 * The end-to-end scenarios on a real etcd (Debian's etcd-server binary, which bin/test installs),
 * started on free loopback ports with a temporary data directory.
 */
class EtcdEndToEndTest extends EndToEndContract {
  @TempDir static Path storeDir;
  private static EtcdServer etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    assumeTrue(
        EtcdServer.available(EtcdServer.DEFAULT_BINARY),
        "etcd is not installed at "
            + EtcdServer.DEFAULT_BINARY
            + "; bin/test installs Debian's etcd-server");
    etcd = EtcdServer.start(EtcdServer.DEFAULT_BINARY, storeDir);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  Store store() {
    return etcd;
  }
}
