package org.masterha.demo.common;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.masterha.ha.Durations;
import org.masterha.ha.Endpoint;
import org.masterha.ha.HaUrl;

/**
 * Whether any server of an HA URL accepts a TCP connection, so that a tool can say "the store could
 * not be reached" in one line instead of leaving the store client to retry (and log) until its own
 * timeout. Only a TCP connect: nothing is sent, so it works the same for ZooKeeper, etcd and
 * Consul.
 */
public final class StoreProbe {
  /** The port a URL without one means, per scheme (as the backends fill it in). */
  private static final Map<String, Integer> DEFAULT_PORTS =
      Map.of("zk", 2181, "etcd", 2379, "etcds", 2379, "consul", 8500, "consul+https", 8500);

  private StoreProbe() {}

  /**
   * Tries every server until one accepts a connection or {@code timeout} has passed (at least one
   * attempt each). Empty when one was reached or the URL names no servers (standalone); else why
   * none could be reached, e.g. "the store at 127.0.0.1:2181 could not be reached within 5s
   * (connection refused)".
   */
  public static Optional<String> unreachable(HaUrl url, Duration timeout)
      throws InterruptedException {
    List<Endpoint> given =
        url.endpoints().isEmpty() && url.scheme().startsWith("consul")
            ? List.of(new Endpoint("127.0.0.1", 0))
            : url.endpoints(); // a consul:// URL without a host means the local agent
    List<Endpoint> endpoints =
        given.stream()
            .map(e -> e.withDefaultPort(DEFAULT_PORTS.getOrDefault(url.scheme(), 0)))
            .filter(e -> e.port() > 0)
            .toList();
    if (endpoints.isEmpty()) {
      return Optional.empty();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String reason = "";
    do {
      for (Endpoint e : endpoints) {
        long left =
            Math.max(
                Duration.ofMillis(200).toNanos(),
                Math.min(Duration.ofSeconds(1).toNanos(), deadline - System.nanoTime()));
        try (Socket s = new Socket()) {
          s.connect(
              new InetSocketAddress(e.host(), e.port()), (int) Duration.ofNanos(left).toMillis());
          return Optional.empty();
        } catch (IOException x) {
          reason = describe(x, e);
        }
      }
      if (System.nanoTime() - deadline < 0) {
        // Paces the next round of attempts (a store may be starting): not a synchronisation with
        // anything.
        Thread.sleep(
            Math.max(1, Math.min(250, Duration.ofNanos(deadline - System.nanoTime()).toMillis())));
      }
    } while (System.nanoTime() - deadline < 0);
    return Optional.of(
        "the store at "
            + String.join(",", endpoints.stream().map(Endpoint::toString).toList())
            + " could not be reached within "
            + Durations.format(timeout)
            + " ("
            + reason
            + ")");
  }

  private static String describe(IOException x, Endpoint e) {
    if (x instanceof UnknownHostException) {
      return "unknown host " + e.host();
    }
    if (x instanceof ConnectException) {
      return "connection refused";
    }
    if (x instanceof SocketTimeoutException) {
      return "no answer to the connection attempt";
    }
    if (x instanceof NoRouteToHostException) {
      return "no route to host " + e.host();
    }
    return x.getMessage() == null ? "connection failed" : x.getMessage();
  }
}
