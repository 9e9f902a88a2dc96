package org.masterha.tck.standalone;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.standalone.StandaloneSession;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.TestClient;

/**
 * The standalone backend as a fixture: one {@link HaBackends} instance, so every client shares its in-memory
 * store. It has no network to cut and no server to restart; it can expire a session.
 */
final class StandaloneFixture implements BackendFixture {
  private HaBackends backends;

  @Override
  public String backend() {
    return "standalone";
  }

  @Override
  public Set<Fault> faults() {
    return EnumSet.of(Fault.EXPIRE_SESSION);
  }

  @Override
  public void start() {
    backends = HaBackends.load();
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return HaConfig.builder().url("standalone://" + basePath).sessionTimeout(sessionTimeout).build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    HaSession session = backends.open(config(basePath, sessionTimeout));
    return new TestClient() {
      @Override
      public HaSession session() {
        return session;
      }

      @Override
      public void cutConnection() {
        throw new UnsupportedOperationException("a standalone session has no connection to cut");
      }

      @Override
      public void restoreConnection() {
        throw new UnsupportedOperationException("a standalone session has no connection to restore");
      }

      @Override
      public void close() {
        session.close();
      }

      @Override
      public String toString() {
        return session.toString();
      }
    };
  }

  @Override
  public void expireSession(TestClient client) {
    client.session().unwrap(StandaloneSession.class).expire();
  }

  @Override
  public void close() {
    backends = null;
  }
}
