package org.masterha.tck;

import java.util.List;
import org.masterha.ha.HaSession;
import org.masterha.tck.net.TcpProxy;

/**
 * The {@link TestClient} every fixture needs: a session whose traffic goes through one {@link TcpProxy} per
 * server, so cutting, resetting and restoring the proxies is cutting, resetting and restoring the client.
 * Closing restores the proxies first, so the session's clean close reaches the store, then frees them.
 */
public class ProxiedClient implements TestClient {
  private final HaSession session;
  private final List<TcpProxy> proxies;

  /** {@code proxies} may be empty for a server that cannot be proxied; cutting such a client is refused. */
  public ProxiedClient(HaSession session, List<TcpProxy> proxies) {
    this.session = session;
    this.proxies = List.copyOf(proxies);
  }

  @Override
  public HaSession session() {
    return session;
  }

  public List<TcpProxy> proxies() {
    return proxies;
  }

  @Override
  public void cutConnection() {
    requireProxies();
    proxies.forEach(TcpProxy::cut);
  }

  /** Closes the client's connections with a reset and refuses new ones, until restored. */
  public void resetConnection() {
    requireProxies();
    proxies.forEach(TcpProxy::reset);
  }

  @Override
  public void restoreConnection() {
    proxies.forEach(TcpProxy::restore);
  }

  @Override
  public void close() {
    try {
      restoreConnection();
      session.close();
    } finally {
      proxies.forEach(TcpProxy::close);
    }
  }

  private void requireProxies() {
    if (proxies.isEmpty()) {
      throw new UnsupportedOperationException("this client's connection is not proxied, so it cannot be cut");
    }
  }
}
