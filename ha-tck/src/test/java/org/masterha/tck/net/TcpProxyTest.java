package org.masterha.tck.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy against a real echo server on loopback. Where a test shows that bytes do NOT arrive
 * during a cut, it waits for them with a socket read timeout: the wait is the observation window,
 * not synchronisation.
 */
class TcpProxyTest {
  /** How long "nothing arrives" is watched for. */
  private static final int QUIET_MS = 300;

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private EchoServer echo;
  private TcpProxy proxy;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    proxy = TcpProxy.start(echo.address());
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    proxy.close();
    echo.close();
  }

  @Test
  void forwardsBothWaysOnLoopback() throws IOException {
    assertThat(proxy.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(proxy.port())
        .isEqualTo(proxy.address().getPort())
        .isNotEqualTo(echo.address().getPort());
    Socket s = connect();
    send(s, "hello");
    assertThat(receive(s, 5)).isEqualTo("hello");
    Socket t = connect();
    send(t, "second");
    assertThat(receive(t, 6)).isEqualTo("second");
    assertThat(proxy.connectionCount()).isEqualTo(2);
  }

  @Test
  void halfCloseIsForwarded() throws IOException {
    Socket s = connect();
    send(s, "bye");
    s.shutdownOutput();
    assertThat(receive(s, 3)).isEqualTo("bye");
    // The echo server closes once it has read our end of stream; that end reaches us through the
    // proxy.
    s.setSoTimeout((int) DEADLINE.toMillis());
    assertThat(s.getInputStream().read()).isEqualTo(-1);
    Awaitility.await().atMost(DEADLINE).until(() -> proxy.connectionCount() == 0);
  }

  @Test
  void cutStallsExistingConnectionsWithoutClosingThemAndRestoreDeliversHeldBytes()
      throws IOException {
    Socket s = connect();
    send(s, "a");
    assertThat(receive(s, 1)).isEqualTo("a");
    long before = echo.received();

    proxy.cut();
    send(s, "held");
    assertNothingArrives(s);
    assertThat(echo.received()).as("bytes reaching the server during a cut").isEqualTo(before);
    assertThat(proxy.connectionCount()).isEqualTo(1);

    proxy.restore();
    assertThat(receive(s, 4)).isEqualTo("held");
    send(s, "more");
    assertThat(receive(s, 4)).isEqualTo("more");
  }

  @Test
  void cutHoldsNewConnectionsOpenAndRestoreServesThem() throws IOException {
    proxy.cut();
    Socket s = connect(); // accepted, not refused: a partition does not answer with a reset
    send(s, "new");
    assertNothingArrives(s);
    assertThat(echo.connections()).as("connections carried to the server during a cut").isZero();

    proxy.restore();
    assertThat(receive(s, 3)).isEqualTo("new");
    Socket t = connect();
    send(t, "after");
    assertThat(receive(t, 5)).isEqualTo("after");
  }

  @Test
  void connectionAbandonedDuringACutNeverReachesTheServer() throws IOException {
    proxy.cut();
    Socket abandoned = connect();
    send(abandoned, "stale handshake");
    abandoned.close();
    Socket alive = connect();
    send(alive, "fresh");
    Awaitility.await().atMost(DEADLINE).until(() -> proxy.connectionCount() == 2);

    proxy.restore();
    assertThat(receive(alive, 5)).isEqualTo("fresh");
    Awaitility.await().atMost(DEADLINE).until(() -> proxy.connectionCount() == 1);
    assertThat(echo.connections()).as("connections the server saw").isEqualTo(1);
    assertThat(echo.received()).as("bytes the server received").isEqualTo(5);
  }

  @Test
  void resetClosesConnectionsAndRefusesNewOnesUntilRestored() throws IOException {
    Socket s = connect();
    send(s, "x");
    assertThat(receive(s, 1)).isEqualTo("x");

    proxy.reset();
    assertClosedByPeer(s);
    Awaitility.await().atMost(DEADLINE).until(() -> proxy.connectionCount() == 0);
    Socket t = connect();
    assertClosedByPeer(t);

    proxy.restore();
    Socket u = connect();
    send(u, "back");
    assertThat(receive(u, 4)).isEqualTo("back");
  }

  @Test
  void losingAnswersDeliversRequestsDropsAnswersAndRestoreResetsThoseConnections()
      throws IOException {
    Socket open = connect();
    send(open, "before");
    assertThat(receive(open, 6)).isEqualTo("before");

    proxy.loseAnswers();
    Socket opened = connect(); // a connection made meanwhile loses its answers too
    long receivedBefore = echo.received();
    send(open, "lost");
    send(opened, "lost too");
    // The server gets every request: that is what makes the answer's loss matter.
    Awaitility.await().atMost(DEADLINE).until(() -> echo.received() == receivedBefore + 4 + 8);
    assertNothingArrives(open);
    assertNothingArrives(opened);

    proxy.restore();
    assertClosedByPeer(open);
    assertClosedByPeer(opened);
    Socket after = connect();
    send(after, "answered");
    assertThat(receive(after, 8)).isEqualTo("answered");
  }

  @Test
  void aMarkerSplitAcrossWritesIsCountedAndItsConnectionLosesAnswersFromThenOn()
      throws IOException {
    proxy.watchFor("VALUE".getBytes(StandardCharsets.UTF_8), true);
    Socket s = connect();
    Socket other = connect();
    send(s, "probe");
    assertThat(receive(s, 5)).as("answers before the marker pass").isEqualTo("probe");
    long receivedBefore = echo.received();
    send(s, "xVA");
    Awaitility.await().atMost(DEADLINE).until(() -> echo.received() == receivedBefore + 3);
    assertThat(receive(s, 3)).as("half a marker is not a marker").isEqualTo("xVA");
    send(s, "LUEy");
    Awaitility.await().atMost(DEADLINE).until(() -> proxy.sightings() == 1);
    assertNothingArrives(s);
    send(other, "VALUE"); // another connection carrying it loses its answers too
    Awaitility.await().atMost(DEADLINE).until(() -> proxy.sightings() == 2);
    assertNothingArrives(other);

    proxy.restore();
    assertClosedByPeer(s);
    assertClosedByPeer(other);
    Socket after = connect();
    send(after, "VALUE");
    assertThat(receive(after, 5))
        .as("after restore the marker is counted, not lost")
        .isEqualTo("VALUE");
    assertThat(proxy.sightings()).isEqualTo(3);
  }

  @Test
  void closeFreesThePortConnectionsAndThreads() throws IOException {
    Socket s = connect();
    send(s, "x");
    assertThat(receive(s, 1)).isEqualTo("x");
    proxy.cut();
    Socket held = connect();
    int port = proxy.port();

    proxy.close();
    assertClosedByPeer(s);
    assertClosedByPeer(held);
    assertThat(proxy.connectionCount()).isZero();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
    Awaitility.await()
        .atMost(DEADLINE)
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(
                        t -> t.isAlive() && t.getName().startsWith("tcp-proxy-" + port + "-")));
    proxy.close(); // idempotent
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(proxy.address().getAddress(), proxy.port());
    sockets.add(s);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String receive(Socket s, int length) throws IOException {
    s.setSoTimeout((int) DEADLINE.toMillis());
    byte[] buf = s.getInputStream().readNBytes(length);
    return new String(buf, StandardCharsets.UTF_8);
  }

  private static void assertNothingArrives(Socket s) throws IOException {
    s.setSoTimeout(QUIET_MS);
    assertThatThrownBy(() -> s.getInputStream().read())
        .as("reading during a cut: neither data, nor end of stream, nor a reset")
        .isInstanceOf(SocketTimeoutException.class);
  }

  /**
   * The proxy ended the connection: reading gives end of stream or a reset, within the deadline.
   */
  private static void assertClosedByPeer(Socket s) throws IOException {
    s.setSoTimeout((int) DEADLINE.toMillis());
    try {
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    } catch (SocketException e) {
      assertThat(e.getMessage()).containsIgnoringCase("reset");
    }
  }

  /** Echoes every byte back; counts what it received and the connections it accepted. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket server = new ServerSocket();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    EchoServer() throws IOException {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread t = new Thread(this::acceptLoop, "echo-server");
      t.setDaemon(true);
      t.start();
    }

    InetSocketAddress address() {
      return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    long received() {
      return received.get();
    }

    long connections() {
      return connections.get();
    }

    private void acceptLoop() {
      while (true) {
        Socket s;
        try {
          s = server.accept();
        } catch (IOException e) {
          return;
        }
        connections.incrementAndGet();
        open.add(s);
        Thread t = new Thread(() -> echo(s), "echo-conn");
        t.setDaemon(true);
        t.start();
      }
    }

    private void echo(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0) {
          received.addAndGet(n);
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // the peer went away
      } finally {
        open.remove(s);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
