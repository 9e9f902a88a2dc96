package org.masterha.stores;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;

/** Free loopback ports; a server may still lose one to another process before it binds it. */
final class Ports {
  private Ports() {}

  /** A free port not in {@code taken}, which it is added to. */
  static int free(Set<Integer> taken) {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free loopback port", e);
      }
    }
  }
}
