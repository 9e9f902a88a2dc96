package org.masterha.tck;

import java.util.List;
import org.masterha.ha.HaSession;
import org.masterha.tck.net.TcpProxy;

/**
 * The {@link TestClient} every fixture needs: a session whose traffic goes through one {@link
 * TcpProxy} per server, so cutting, resetting, losing answers on and restoring the proxies is doing
 * so to the client. Closing restores the proxies first, so the session's clean close reaches the
 * store, then frees them.
 *
 * <p>A fixture whose clients are all {@code ProxiedClient}s offers {@link #CUT} for {@link
 * Fault#CUT_CONNECTION} and {@link #LOSE_ANSWER} for {@link Fault#LOSE_ANSWER}.
 */
public class ProxiedClient implements TestClient {
  /**
   * {@link Fault#CUT_CONNECTION} on a {@code ProxiedClient}: {@link #cutConnection()}, healed by
   * {@link #restoreConnection()}.
   */
  public static final FaultInjector CUT =
      FaultInjector.onClient(c -> proxied(c).cutConnection(), c -> proxied(c).restoreConnection());

  /**
   * {@link Fault#LOSE_ANSWER} on a {@code ProxiedClient}: {@link #loseAnswers()}, healed by {@link
   * #restoreConnection()}.
   */
  public static final FaultInjector LOSE_ANSWER =
      FaultInjector.onClient(c -> proxied(c).loseAnswers(), c -> proxied(c).restoreConnection());

  private final HaSession session;
  private final List<TcpProxy> proxies;

  /**
   * {@code proxies} may be empty for a server that cannot be proxied; cutting such a client is
   * refused.
   */
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

  /**
   * Stops all traffic of this client, in both directions; new connections stall (a partition, not a
   * reset).
   */
  public void cutConnection() {
    requireProxies();
    proxies.forEach(TcpProxy::cut);
  }

  /** Closes the client's connections with a reset and refuses new ones, until restored. */
  public void resetConnection() {
    requireProxies();
    proxies.forEach(TcpProxy::reset);
  }

  /**
   * Lets the client's requests through but loses every answer, until {@link #restoreConnection()}
   * resets the connections that lost answers: the client then sees its connection die with requests
   * unanswered, some of which the store applied.
   */
  public void loseAnswers() {
    requireProxies();
    proxies.forEach(TcpProxy::loseAnswers);
  }

  /**
   * Loses the answers on the connection that carries {@code marker} to the server (e.g. the value
   * being written), from that request on, until {@link #restoreConnection()} resets it; what was
   * sent and answered before, such as a read that checks the server is there, passes. Counts the
   * marker's passages too, see {@link #timesSent()}. Store-specific: the marker must be on the wire
   * as given (the bytes of a ZooKeeper or gRPC request, the base64 of a value in Consul's JSON),
   * never under TLS.
   */
  public void loseAnswersAfterSending(byte[] marker) {
    requireProxies();
    proxies.forEach(p -> p.watchFor(marker, true));
  }

  /**
   * Counts how often {@code marker} is sent to the servers from now on, see {@link #timesSent()}.
   */
  public void countSending(byte[] marker) {
    requireProxies();
    proxies.forEach(p -> p.watchFor(marker, false));
  }

  /**
   * How often the marker of the last {@link #loseAnswersAfterSending} or {@link #countSending} was
   * sent since.
   */
  public int timesSent() {
    return proxies.stream().mapToInt(TcpProxy::sightings).sum();
  }

  /** Lets traffic flow again after any of the faults above. */
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

  private static ProxiedClient proxied(TestClient client) {
    if (client instanceof ProxiedClient p) {
      return p;
    }
    throw new IllegalArgumentException(
        client + " is not a ProxiedClient: its fixture must not offer proxy faults");
  }

  private void requireProxies() {
    if (proxies.isEmpty()) {
      throw new UnsupportedOperationException(
          "this client's connection is not proxied, so it cannot be cut");
    }
  }
}
