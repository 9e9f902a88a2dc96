package org.masterha.tck;

import org.masterha.ha.HaSession;

/**
 * A client session opened by a fixture. Faults on it are injected through {@link
 * BackendFixture#fault(Fault)}; most fixtures use {@link ProxiedClient}, whose traffic goes through
 * proxies the faults act on.
 */
public interface TestClient extends AutoCloseable {
  HaSession session();

  /** Closes the session (the clean exit) and whatever the fixture set up for this client. */
  @Override
  void close();
}
