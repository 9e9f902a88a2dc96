package org.masterha.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.awaitility.Awaitility;

/**
 * Real ZooKeeper servers inside the test JVM (ZooKeeper's own {@link ZooKeeperServerEmbedded}), one
 * standalone server or an ensemble, on free loopback ports with temporary data directories. Servers
 * can be stopped and started again with their data, one at a time or all together; {@link
 * #leader()} asks each server for its role with the {@code srvr} four-letter command, as an
 * operator would.
 */
final class ZooKeeperServers implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path baseDir;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, String> settings;

  private static final class Node {
    final int id;
    final int clientPort;
    final int quorumPort;
    final int electionPort;
    final Path dir;
    ZooKeeperServerEmbedded server;

    Node(int id, Path dir) {
      this.id = id;
      this.dir = dir;
      this.clientPort = freePort();
      this.quorumPort = freePort();
      this.electionPort = freePort();
    }
  }

  /**
   * {@code size} servers (1: standalone); {@code settings} override the defaults (tick 200 ms,
   * session timeouts from 500 ms to 60 s, generous init/sync limits for a busy 2-core machine).
   */
  ZooKeeperServers(int size, Map<String, String> settings) {
    try {
      this.baseDir = Files.createTempDirectory("masterha-zk");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.settings = new LinkedHashMap<>();
    this.settings.put("tickTime", "200");
    this.settings.put("initLimit", "50");
    this.settings.put("syncLimit", "25");
    this.settings.put("minSessionTimeout", "500");
    this.settings.put("maxSessionTimeout", "60000");
    this.settings.put("maxClientCnxns", "0");
    this.settings.put("admin.enableServer", "false");
    this.settings.put("4lw.commands.whitelist", "srvr");
    this.settings.putAll(settings);
    for (int i = 1; i <= size; i++) {
      nodes.add(new Node(i, baseDir.resolve("server" + i)));
    }
  }

  static ZooKeeperServers standalone() {
    return new ZooKeeperServers(1, Map.of());
  }

  int size() {
    return nodes.size();
  }

  /** Starts every server that is not running and waits until the ensemble serves. */
  void start() throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).server == null) {
        startServer(i);
      }
    }
    awaitServing();
  }

  /** {@code host:port,...} of every server, running or not. */
  String connectString() {
    return nodes.stream().map(n -> "127.0.0.1:" + n.clientPort).collect(Collectors.joining(","));
  }

  List<InetSocketAddress> clientAddresses() {
    return nodes.stream()
        .map(n -> new InetSocketAddress(InetAddress.getLoopbackAddress(), n.clientPort))
        .toList();
  }

  /**
   * The index of the ensemble's current leader server (0 for a standalone server), if one is
   * serving.
   */
  Optional<Integer> leader() {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).server == null) {
        continue;
      }
      String mode = mode(i);
      if (mode.equals("leader") || mode.equals("standalone")) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  boolean isRunning(int index) {
    return nodes.get(index).server != null;
  }

  void stopServer(int index) {
    Node n = nodes.get(index);
    if (n.server != null) {
      n.server.close();
      n.server = null;
    }
  }

  void startServer(int index) throws Exception {
    Node n = nodes.get(index);
    Files.createDirectories(n.dir.resolve("data"));
    Properties p = new Properties();
    settings.forEach(p::setProperty);
    p.setProperty("dataDir", n.dir.resolve("data").toString());
    p.setProperty("clientPort", String.valueOf(n.clientPort));
    p.setProperty("clientPortAddress", "127.0.0.1");
    if (nodes.size() > 1) {
      Files.writeString(n.dir.resolve("data").resolve("myid"), String.valueOf(n.id));
      for (Node other : nodes) {
        p.setProperty(
            "server." + other.id,
            "127.0.0.1:"
                + other.quorumPort
                + ":"
                + other.electionPort
                + ";127.0.0.1:"
                + other.clientPort);
      }
    }
    // A server whose port is still held by its previous incarnation fails to start: try a few
    // times.
    Exception last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      ZooKeeperServerEmbedded server =
          ZooKeeperServerEmbedded.builder()
              .baseDir(n.dir)
              .configuration(p)
              .exitHandler(ExitHandler.LOG_ONLY)
              .build();
      try {
        server.start(START_TIMEOUT.toMillis());
        n.server = server;
        return;
      } catch (Exception e) {
        last = e;
        server.close();
        Thread.sleep(250); // back-off between bind attempts, not synchronisation
      }
    }
    throw last;
  }

  /**
   * Stops every server, then starts them all again with their data (ZooKeeper keeps sessions across
   * this).
   */
  void restartAll() throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      stopServer(i);
    }
    start();
  }

  /** Waits until every running server serves clients and, for an ensemble, one of them leads. */
  void awaitServing() {
    Awaitility.await("ZooKeeper servers serving, one of them leading")
        .atMost(START_TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .until(this::servingWithALeader);
  }

  private boolean servingWithALeader() {
    boolean allServing = true;
    boolean leader = false;
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).server == null) {
        continue;
      }
      String mode = mode(i);
      allServing &= mode.equals("leader") || mode.equals("follower") || mode.equals("standalone");
      leader |= mode.equals("leader") || mode.equals("standalone");
    }
    return allServing && leader;
  }

  /** The server's role from {@code srvr}: leader, follower, standalone, or "not serving". */
  String mode(int index) {
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), nodes.get(index).clientPort),
          2000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (String line : reply.split("\n")) {
        if (line.startsWith("Mode: ")) {
          return line.substring(6).trim();
        }
      }
      return "not serving";
    } catch (IOException e) {
      return "not serving";
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.size(); i++) {
      try {
        stopServer(i);
      } catch (RuntimeException e) {
        // closing anyway
      }
    }
    try (Stream<Path> files = Files.walk(baseDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp files; the OS cleans up
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
