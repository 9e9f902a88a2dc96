package org.masterha.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback proxy that can lose the server's replies while still delivering every request: the one situation
 * {@link org.masterha.tck.net.TcpProxy} cannot make on purpose, a request the server applied whose reply the
 * client never sees. While {@link #dropReplies} is on, bytes from the server are read and thrown away.
 */
final class ReplyDroppingProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean dropReplies;

  ReplyDroppingProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    daemon("accept", this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  void dropReplies(boolean drop) {
    this.dropReplies = drop;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5000);
        sockets.add(client);
        sockets.add(upstream);
        daemon("up", () -> pump(client, upstream, false));
        daemon("down", () -> pump(upstream, client, true));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean replies) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (!(replies && dropReplies)) {
          out.write(buf, 0, n);
          out.flush();
        }
      }
    } catch (IOException e) {
      // either side went away: so does the pair
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, "reply-dropping-proxy-" + name);
    t.setDaemon(true);
    t.start();
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(this::closeQuietly);
  }
}
