package org.masterha.ha;

import org.masterha.ha.error.HaConfigException;

/**
 * One server address from an HA URL. A port of 0 means "the backend's default port" (2181, 2379,
 * 8500, ...).
 */
public record Endpoint(String host, int port) {
  public Endpoint {
    if (host == null || host.isEmpty()) {
      throw new HaConfigException("an endpoint needs a host name or address");
    }
    if (port < 0 || port > 65535) {
      throw new HaConfigException(
          "port " + port + " of " + host + " is out of range; accepted: 1 to 65535");
    }
  }

  /** This endpoint with {@code defaultPort} filled in when the URL gave none. */
  public Endpoint withDefaultPort(int defaultPort) {
    return port == 0 ? new Endpoint(host, defaultPort) : this;
  }

  /** {@code host:port}, with an IPv6 address in brackets. */
  @Override
  public String toString() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return port == 0 ? h : h + ":" + port;
  }
}
