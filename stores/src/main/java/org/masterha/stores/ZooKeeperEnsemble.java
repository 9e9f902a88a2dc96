package org.masterha.stores;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real ZooKeeper servers, each in a JVM of its own ({@code QuorumPeerMain}, as {@code zkServer.sh}
 * runs it), on free loopback ports with data in memory where /dev/shm exists: one standalone server
 * or an ensemble. A server can be stopped, killed, paused and started again with its data; {@link
 * #leader()} and {@link #mntr(int)} ask the servers with four-letter commands, as an operator
 * would. Processes are always stopped: in {@link #close()} and, should this JVM go down first, in a
 * shutdown hook.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final String MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

  private final Path root;
  private final Path logDir;
  private final Map<String, String> settings = new LinkedHashMap<>();
  private final List<Server> servers = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::killAll, "zookeeper-ensemble-shutdown");

  private static final class Server {
    final int id;
    int clientPort;
    int secureClientPort;
    int quorumPort;
    int electionPort;
    final Path dir;
    JavaProcess process;

    Server(int id, Path dir) {
      this.id = id;
      this.dir = dir;
    }

    boolean running() {
      return process != null && process.isAlive();
    }
  }

  /**
   * {@code size} servers (1: standalone), logs under {@code logDir}; {@code settings} override the
   * defaults: tick 200 ms so sessions of 1 s and up are honoured, session timeouts from 500 ms to
   * 60 s, generous init and sync limits for a busy 2-core machine, the {@code srvr}, {@code mntr}
   * and {@code stat} four-letter commands. A {@link #SECURE_CLIENT_PORT} entry (any value) gives
   * each server a free secure client port as well, for TLS settings ({@code serverCnxnFactory},
   * {@code ssl.*}) in {@code settings}.
   */
  /** The setting that asks for a secure client port per server, on a free port of its own. */
  public static final String SECURE_CLIENT_PORT = "secureClientPort";

  public ZooKeeperEnsemble(int size, Map<String, String> settings, Path logDir) throws IOException {
    if (size < 1) {
      throw new IllegalArgumentException("a ZooKeeper ensemble has at least 1 server, not " + size);
    }
    Path shm = Path.of("/dev/shm");
    this.root =
        Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "masterha-zk-")
            : Files.createTempDirectory("masterha-zk-");
    this.logDir = logDir.toAbsolutePath();
    this.settings.put("tickTime", "200");
    this.settings.put("initLimit", "50");
    this.settings.put("syncLimit", "25");
    this.settings.put("minSessionTimeout", "500");
    this.settings.put("maxSessionTimeout", "60000");
    this.settings.put("maxClientCnxns", "0");
    this.settings.put("admin.enableServer", "false");
    this.settings.put("4lw.commands.whitelist", "srvr,mntr,stat");
    this.settings.putAll(settings);
    for (int i = 1; i <= size; i++) {
      servers.add(new Server(i, root.resolve("server" + i)));
    }
  }

  public int size() {
    return servers.size();
  }

  /** Starts every server and waits until the ensemble serves with a leader. */
  public void start() throws IOException, InterruptedException {
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Set<Integer> ports = new HashSet<>();
    for (Server s : servers) {
      s.clientPort = Ports.free(ports);
      s.secureClientPort = settings.containsKey(SECURE_CLIENT_PORT) ? Ports.free(ports) : 0;
      s.quorumPort = Ports.free(ports);
      s.electionPort = Ports.free(ports);
    }
    for (Server s : servers) {
      launch(s);
    }
    awaitServing();
  }

  /** {@code host:port,...} of every server, for a client's connect string. */
  public String connectString() {
    return servers.stream().map(s -> "127.0.0.1:" + s.clientPort).collect(Collectors.joining(","));
  }

  /** {@code host:port,...} of every server's secure client port ({@link #SECURE_CLIENT_PORT}). */
  public String secureConnectString() {
    if (!settings.containsKey(SECURE_CLIENT_PORT)) {
      throw new IllegalStateException("this ensemble has no secure client port");
    }
    return servers.stream()
        .map(s -> "127.0.0.1:" + s.secureClientPort)
        .collect(Collectors.joining(","));
  }

  /** The client address of server {@code index} (0-based). */
  public InetSocketAddress clientAddress(int index) {
    return new InetSocketAddress("127.0.0.1", servers.get(index).clientPort);
  }

  public boolean isRunning(int index) {
    return servers.get(index).running();
  }

  public long pid(int index) {
    Server s = servers.get(index);
    if (!s.running()) {
      throw new IllegalStateException("ZooKeeper server " + s.id + " is not running");
    }
    return s.process.pid();
  }

  /**
   * Server {@code index}'s {@code dataDir}: its snapshots and transaction log (and {@code myid}).
   */
  public Path dataDir(int index) {
    return servers.get(index).dir.resolve("data");
  }

  /** SIGKILL of server {@code index}; its data stays for {@link #start(int)}. */
  public void kill(int index) throws InterruptedException {
    Server s = servers.get(index);
    if (s.running()) {
      s.process.kill();
    }
  }

  /** SIGTERM of server {@code index}, as an operator stops it. */
  public void stop(int index) throws InterruptedException {
    Server s = servers.get(index);
    if (s.running()) {
      s.process.stop(Duration.ofSeconds(15));
    }
  }

  /** SIGSTOP of server {@code index}: frozen with its connections open. */
  public void pause(int index) {
    Signals.stop(pid(index));
  }

  /** SIGCONT after {@link #pause(int)}. */
  public void resume(int index) {
    Signals.resume(pid(index));
  }

  /**
   * Starts server {@code index} again on its ports, with its data, and waits until the ensemble
   * serves with a leader.
   */
  public void start(int index) throws IOException, InterruptedException {
    Server s = servers.get(index);
    if (!s.running()) {
      launch(s);
    }
    awaitServing();
  }

  /** The index of the server that leads (or serves standalone), if one says so now. */
  public Optional<Integer> leader() {
    for (int i = 0; i < servers.size(); i++) {
      String mode = mode(i);
      if (mode.equals("leader") || mode.equals("standalone")) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /** What server {@code index} says it is: leader, follower, standalone, or down. */
  public String mode(int index) {
    if (!servers.get(index).running()) {
      return "down";
    }
    String srvr = fourLetters(index, "srvr").orElse("");
    return srvr.lines()
        .filter(l -> l.startsWith("Mode: "))
        .map(l -> l.substring("Mode: ".length()).trim())
        .findFirst()
        .orElse("down");
  }

  /**
   * The server's {@code mntr} figures ({@code zk_packets_received}, {@code
   * zk_num_alive_connections}, ...), empty when it does not answer.
   */
  public Map<String, String> mntr(int index) {
    Map<String, String> figures = new LinkedHashMap<>();
    fourLetters(index, "mntr")
        .ifPresent(
            text ->
                text.lines()
                    .map(l -> l.split("\t", 2))
                    .filter(kv -> kv.length == 2)
                    .forEach(kv -> figures.put(kv[0].trim(), kv[1].trim())));
    return figures;
  }

  /** Waits until every running server answers and one of them leads (or serves standalone). */
  public void awaitServing() throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      for (Server s : servers) {
        if (s.process != null && s.process.crashed()) {
          throw new IllegalStateException(
              "ZooKeeper server "
                  + s.id
                  + " exited with "
                  + s.process.exitValue()
                  + ":\n"
                  + s.process.logTail(20));
        }
      }
      boolean allAnswer = true;
      for (int i = 0; i < servers.size(); i++) {
        if (servers.get(i).running() && mode(i).equals("down")) {
          allAnswer = false;
        }
      }
      if (allAnswer && leader().isPresent()) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new IllegalStateException(
        "the ZooKeeper ensemble did not serve within "
            + START_TIMEOUT
            + "; modes: "
            + Stream.iterate(0, i -> i < servers.size(), i -> i + 1).map(this::mode).toList()
            + "; logs in "
            + logDir);
  }

  private void launch(Server s) throws IOException {
    Files.createDirectories(s.dir.resolve("data"));
    Files.writeString(s.dir.resolve("data").resolve("myid"), Integer.toString(s.id));
    StringBuilder cfg = new StringBuilder();
    settings.forEach(
        (k, v) -> {
          if (!k.equals(SECURE_CLIENT_PORT)) {
            cfg.append(k).append('=').append(v).append('\n');
          }
        });
    if (s.secureClientPort != 0) {
      cfg.append("secureClientPort=").append(s.secureClientPort).append('\n');
      cfg.append("secureClientPortAddress=127.0.0.1\n");
    }
    cfg.append("dataDir=").append(s.dir.resolve("data")).append('\n');
    cfg.append("clientPort=").append(s.clientPort).append('\n');
    cfg.append("clientPortAddress=127.0.0.1\n");
    if (servers.size() > 1) {
      for (Server peer : servers) {
        cfg.append("server.")
            .append(peer.id)
            .append("=127.0.0.1:")
            .append(peer.quorumPort)
            .append(':')
            .append(peer.electionPort)
            .append('\n');
      }
    }
    Path config = s.dir.resolve("zoo.cfg");
    Files.writeString(config, cfg.toString());
    Path logback = s.dir.resolve("logback.xml");
    Files.writeString(logback, LOGBACK);
    s.process =
        JavaProcess.start(
            "zookeeper-" + s.id,
            List.of(
                "-Xms64m",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=" + logback,
                "-Dzookeeper.jmx.log4j.disable=true"),
            MAIN,
            List.of(config.toString()),
            logDir.resolve("zookeeper-" + s.id + ".log"));
  }

  /** Warnings and errors only: a server at debug level writes more than the test does. */
  private static final String LOGBACK =
      "<configuration><appender name=\"out\" class=\"ch.qos.logback.core.ConsoleAppender\">"
          + "<encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>"
          + "</appender><root level=\"WARN\"><appender-ref ref=\"out\"/></root></configuration>\n";

  private Optional<String> fourLetters(int index, String command) {
    try (Socket socket = new Socket()) {
      socket.connect(clientAddress(index), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write(command.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private void killAll() {
    for (Server s : servers) {
      if (s.running()) {
        try {
          s.process.kill();
        } catch (InterruptedException | IllegalStateException e) {
          // going down anyway
        }
      }
    }
  }

  @Override
  public void close() {
    killAll();
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }
}
