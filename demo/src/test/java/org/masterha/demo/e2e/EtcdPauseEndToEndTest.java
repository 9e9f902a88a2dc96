package org.masterha.demo.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EtcdServer;
import org.masterha.demo.launcher.Store;

/**
 * The pause scenarios on a real etcd (Debian's etcd-server binary, which bin/test installs); the 2
 * s session timeout is a 2 s lease, etcd's minimum with its default election timeout. Members and
 * their leases are read through etcd's JSON gateway.
 */
class EtcdPauseEndToEndTest extends PauseEndToEndContract {
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

  @Override
  StoreMembers storeMembers(String url) {
    return StoreMembers.etcd(url);
  }
}
