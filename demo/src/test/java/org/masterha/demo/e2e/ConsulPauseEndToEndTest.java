package org.masterha.demo.e2e;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.masterha.demo.launcher.FakeConsulStore;
import org.masterha.demo.launcher.Store;

/**
 * The pause scenarios on the consul backend against the project's fake of Consul's HTTP API, with
 * session_ttl_min lowered to 1 s so the 2 s session timeout (a 1 s TTL) is honoured. Members and
 * their sessions are read over the KV API.
 */
class ConsulPauseEndToEndTest extends PauseEndToEndContract {
  private static FakeConsulStore consul;

  @BeforeAll
  static void startConsul() {
    consul = FakeConsulStore.start(Duration.ofSeconds(1));
  }

  @AfterAll
  static void stopConsul() {
    if (consul != null) {
      consul.close();
    }
  }

  @Override
  Store store() {
    return consul;
  }

  @Override
  StoreMembers storeMembers(String url) {
    return StoreMembers.consul(url);
  }
}
