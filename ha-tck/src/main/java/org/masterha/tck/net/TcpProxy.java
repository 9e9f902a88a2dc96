package org.masterha.tck.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy that a test fixture puts between one client and its server, so the test can
 * take the network away from that client alone.
 *
 * <p>States: {@code FORWARDING} (bytes flow both ways), {@code CUT} (a partition or a frozen
 * server: nothing is forwarded in either direction, but every connection, old or new, stays open;
 * bytes already sent are held and delivered after {@link #restore()}, as TCP retransmission would;
 * a connection made during the cut whose client gave up before the restore is dropped, as its SYN
 * would have been), {@code LOSING_ANSWERS} (the client's bytes reach the server, the server's bytes
 * are read and thrown away, on the connections open when asked and on those opened meanwhile: a
 * request the server applied whose answer never arrives), {@code RESET} (every connection is closed
 * with a TCP reset and new ones are reset as soon as they are accepted, like a server that went
 * away) and {@code CLOSED}. {@link #restore()} returns to forwarding from any fault; connections
 * that were losing answers are reset then, since their byte stream has a gap no client could parse
 * past.
 *
 * <p>One accept thread and two pump threads per connection, all daemons; {@link #close()} closes
 * every socket, which ends every thread, and waits briefly for them.
 */
public final class TcpProxy implements AutoCloseable {
  private enum Mode {
    FORWARDING,
    CUT,
    LOSING_ANSWERS,
    RESET,
    CLOSED
  }

  private static final int BUFFER = 16 * 1024;
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  /**
   * How long a connection held through a cut is read for signs of life before it is carried to the
   * server.
   */
  private static final int DRAIN_MS = 50;

  private static final int MAX_HELD_BYTES = 1 << 20;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Thread acceptor;
  private final Object lock = new Object();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionIds = new AtomicInteger();

  /**
   * What the client's bytes are searched for, and what to do on a sighting; null when nothing is
   * watched.
   */
  private volatile Watch watch;

  private Mode mode = Mode.FORWARDING;

  private TcpProxy(InetSocketAddress target, ServerSocket server) {
    this.target = target;
    this.server = server;
    this.acceptor = newThread("accept", this::acceptLoop);
  }

  /** Starts forwarding from an ephemeral port on 127.0.0.1 to {@code target}. */
  public static TcpProxy start(InetSocketAddress target) throws IOException {
    Objects.requireNonNull(target, "target");
    if (target.isUnresolved()) {
      throw new IllegalArgumentException(
          "proxy target " + target + " is unresolved; give a resolved loopback address");
    }
    ServerSocket server = new ServerSocket();
    try {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    TcpProxy proxy = new TcpProxy(target, server);
    proxy.acceptor.start();
    return proxy;
  }

  /** The port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code 127.0.0.1:port()}: the address clients connect to. */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  /** Where the traffic goes. */
  public InetSocketAddress target() {
    return target;
  }

  /** Connections currently open through the proxy (held ones included). */
  public int connectionCount() {
    return connections.size();
  }

  /**
   * A partition: stop forwarding in both directions, keep existing connections open and accept new
   * ones without forwarding them (no reset, no close), until {@link #restore()}.
   */
  public void cut() {
    synchronized (lock) {
      if (mode != Mode.CLOSED) {
        mode = Mode.CUT;
      }
    }
  }

  /**
   * Lets the client's bytes through and throws the server's away, on every connection open now and
   * every one opened until {@link #restore()}, which resets them all: whatever the server answers
   * meanwhile is lost, also an answer already on its way when {@code restore()} is called.
   */
  public void loseAnswers() {
    synchronized (lock) {
      if (mode == Mode.CLOSED) {
        return;
      }
      mode = Mode.LOSING_ANSWERS;
      connections.forEach(c -> c.losing = true);
      lock.notifyAll();
    }
  }

  /**
   * Counts, from now on, how often {@code marker} passes from the client to the server (see {@link
   * #sightings()}); with {@code loseAnswers}, the connection that carries it loses every answer
   * from then on, until {@link #restore()} resets it. The answer to a request that carries the
   * marker (a value being written) is so lost, whatever the client sent and was answered before it
   * on that connection (a read that checks the server is there). The marker must be in the clear on
   * the wire: a TLS connection never shows it.
   */
  public void watchFor(byte[] marker, boolean loseAnswers) {
    if (marker.length == 0) {
      throw new IllegalArgumentException("an empty marker");
    }
    watch = new Watch(marker.clone(), loseAnswers);
  }

  /**
   * How often the marker of the last {@link #watchFor} passed to the server since; 0 when none is
   * watched.
   */
  public int sightings() {
    Watch w = watch;
    return w == null ? 0 : w.sightings.get();
  }

  /** A marker watched for in the client's bytes. */
  private record Watch(byte[] marker, boolean loseAnswers, AtomicInteger sightings) {
    Watch(byte[] marker, boolean loseAnswers) {
      this(marker, loseAnswers, new AtomicInteger());
    }

    /** Sightings of the marker ending in {@code chunk}, given the bytes that came before it. */
    int count(byte[] before, byte[] chunk, int length) {
      byte[] all = new byte[before.length + length];
      System.arraycopy(before, 0, all, 0, before.length);
      System.arraycopy(chunk, 0, all, before.length, length);
      int found = 0;
      for (int i = Math.max(0, before.length - marker.length + 1);
          i + marker.length <= all.length;
          i++) {
        if (java.util.Arrays.equals(all, i, i + marker.length, marker, 0, marker.length)) {
          found++;
        }
      }
      return found;
    }
  }

  /**
   * Closes every connection with a reset and resets new ones as soon as they arrive, until {@link
   * #restore()}.
   */
  public void reset() {
    synchronized (lock) {
      if (mode == Mode.CLOSED) {
        return;
      }
      mode = Mode.RESET;
      lock.notifyAll();
    }
    List.copyOf(connections).forEach(c -> c.close(true));
  }

  /**
   * Forwards again: held bytes of connections kept through a cut flow on, connections that lost
   * answers are reset, new connections are served.
   */
  public void restore() {
    List<Connection> lostAnswers = new ArrayList<>();
    synchronized (lock) {
      if (mode != Mode.CLOSED) {
        mode = Mode.FORWARDING;
        connections.stream().filter(c -> c.losing).forEach(lostAnswers::add);
        Watch w = watch;
        if (w != null && w.loseAnswers()) {
          watch = new Watch(w.marker(), false, w.sightings()); // still counted, no longer lost
        }
        lock.notifyAll();
      }
    }
    lostAnswers.forEach(c -> c.close(true));
  }

  /**
   * Stops listening, closes every connection and waits (briefly) for the proxy's threads to end.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (mode == Mode.CLOSED) {
        return;
      }
      mode = Mode.CLOSED;
      lock.notifyAll();
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    List.copyOf(connections).forEach(c -> c.close(true));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (Thread t : new ArrayList<>(threads)) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    Mode m;
    synchronized (lock) {
      m = mode;
    }
    return "TcpProxy[127.0.0.1:"
        + port()
        + " -> "
        + target
        + ", "
        + m
        + ", "
        + connections.size()
        + " connections]";
  }

  private void acceptLoop() {
    while (true) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Mode m;
      synchronized (lock) {
        m = mode;
      }
      if (m == Mode.RESET || m == Mode.CLOSED) {
        abort(client);
        continue;
      }
      Connection c = new Connection(client, connectionIds.incrementAndGet());
      synchronized (lock) {
        c.losing = mode == Mode.LOSING_ANSWERS;
        connections.add(c);
      }
      newThread("conn-" + c.id + "-up", c::run).start();
    }
  }

  /**
   * Blocks while the proxy is cut; true when bytes may flow, false when the connection must end
   * (reset, closed, or this connection was closed meanwhile).
   */
  private boolean awaitForwarding(Connection c) {
    synchronized (lock) {
      while (mode == Mode.CUT && !c.closed) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return (mode == Mode.FORWARDING || mode == Mode.LOSING_ANSWERS) && !c.closed;
    }
  }

  private Thread newThread(String name, Runnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } finally {
                threads.remove(Thread.currentThread());
              }
            },
            "tcp-proxy-" + server.getLocalPort() + "-" + name);
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0); // close with RST, as a dead peer's kernel would
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
  }

  /** One client connection and its upstream twin. */
  private final class Connection {
    private final Socket client;
    private final Socket upstream = new Socket();
    private final int id;
    private final AtomicInteger halfClosed = new AtomicInteger();
    private volatile boolean closed;

    /**
     * Set under the lock: the server's bytes are thrown away from now until this connection is
     * reset.
     */
    private volatile boolean losing;

    /** The client's last bytes, so a marker split across two reads is still seen. */
    private byte[] sentTail = new byte[0];

    Connection(Socket client, int id) {
      this.client = client;
      this.id = id;
    }

    void run() {
      // During a cut a new connection is accepted (the kernel would have) but not carried to the
      // server.
      boolean held;
      synchronized (lock) {
        held = mode == Mode.CUT;
      }
      if (!awaitForwarding(this)) {
        close(true);
        return;
      }
      byte[] early = new byte[0];
      if (held) {
        // A client that gave up during the cut (a timed-out reconnect attempt) never reached the
        // server in a
        // real partition either: drop it rather than replay its stale handshake now.
        Optional<byte[]> pending = drainHeld();
        if (pending.isEmpty()) {
          close(false);
          return;
        }
        early = pending.get();
      }
      try {
        upstream.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
        upstream.connect(target, CONNECT_TIMEOUT_MS);
        if (early.length > 0) {
          upstream.getOutputStream().write(early);
          upstream.getOutputStream().flush();
        }
      } catch (IOException e) {
        close(true); // the server refuses: so does the proxy
        return;
      }
      newThread("conn-" + id + "-down", () -> pump(upstream, client, true)).start();
      pump(client, upstream, false);
    }

    /** What a held client sent, or empty if it has closed (or reset) its end meanwhile. */
    private Optional<byte[]> drainHeld() {
      java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[BUFFER];
      try {
        client.setSoTimeout(DRAIN_MS);
        InputStream in = client.getInputStream();
        while (sent.size() < MAX_HELD_BYTES) {
          int n = in.read(buf);
          if (n < 0) {
            return Optional.empty();
          }
          sent.write(buf, 0, n);
        }
      } catch (java.net.SocketTimeoutException e) {
        // nothing more for now: the client is still there
      } catch (IOException e) {
        return Optional.empty();
      }
      try {
        client.setSoTimeout(0);
      } catch (IOException e) {
        return Optional.empty();
      }
      return Optional.of(sent.toByteArray());
    }

    private void pump(Socket from, Socket to, boolean answers) {
      byte[] buf = new byte[BUFFER];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (!awaitForwarding(this)) {
            close(true);
            return;
          }
          if (answers && losing) {
            continue; // lost; this connection is reset at restore()
          }
          if (!answers) {
            watchRequests(buf, n);
          }
          out.write(buf, 0, n);
          out.flush();
        }
        // End of stream is held during a cut like any other byte.
        if (!awaitForwarding(this)) {
          close(true);
          return;
        }
        to.shutdownOutput();
        if (halfClosed.incrementAndGet() == 2) {
          close(false);
        }
      } catch (SocketException e) {
        close(true);
      } catch (IOException e) {
        close(true);
      }
    }

    /**
     * Counts the watched marker in what the client sends, and starts losing answers at a sighting
     * if asked.
     */
    private void watchRequests(byte[] chunk, int length) {
      Watch w = watch;
      if (w == null) {
        return;
      }
      int found = w.count(sentTail, chunk, length);
      int keep = Math.min(w.marker().length - 1, sentTail.length + length);
      byte[] tail = new byte[keep];
      int fromChunk = Math.min(keep, length);
      System.arraycopy(sentTail, sentTail.length - (keep - fromChunk), tail, 0, keep - fromChunk);
      System.arraycopy(chunk, length - fromChunk, tail, keep - fromChunk, fromChunk);
      sentTail = tail;
      if (found > 0) {
        w.sightings().addAndGet(found);
        if (w.loseAnswers()) {
          synchronized (lock) {
            losing = true; // before the request is forwarded: its answer cannot slip through
          }
        }
      }
    }

    void close(boolean abortive) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        lock.notifyAll();
      }
      connections.remove(this);
      if (abortive) {
        abort(client);
        abort(upstream);
      } else {
        closeQuietly(client);
        closeQuietly(upstream);
      }
    }

    private void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }
}
