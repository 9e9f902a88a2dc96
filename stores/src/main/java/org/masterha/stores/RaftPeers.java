package org.masterha.stores;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The raft backend's peers ({@code org.masterha.raft.server.RaftNode}, module {@code ha-raft}),
 * each in a JVM of its own, on free loopback ports with a data directory each. The main class is
 * run from this JVM's class path, so only a test that has {@code ha-raft} on it can start them;
 * this module does not depend on it. A peer can be stopped, killed and started again with its data.
 * Which peer leads is the Raft group's business: ask it (Ratis' group info), not this class.
 * Processes are always stopped: in {@link #close()} and, should this JVM go down first, in a
 * shutdown hook.
 */
public final class RaftPeers implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final String MAIN = "org.masterha.raft.server.RaftNode";

  private final Path root;
  private final Path logDir;
  private final List<Peer> peers = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::killAll, "raft-peers-shutdown");

  private static final class Peer {
    final String id;
    int port;
    final Path dir;
    JavaProcess process;

    /** Started with {@code --join} the first time: it waits for the group to add it. */
    boolean joinOnNextLaunch;

    Peer(String id, Path dir) {
      this.id = id;
      this.dir = dir;
    }

    boolean running() {
      return process != null && process.isAlive();
    }
  }

  /** {@code size} peers named n1, n2, ...; logs under {@code logDir}. */
  public RaftPeers(int size, Path logDir) throws IOException {
    if (size < 1) {
      throw new IllegalArgumentException("a raft group has at least 1 peer, not " + size);
    }
    Path shm = Path.of("/dev/shm");
    this.root =
        Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "masterha-raft-")
            : Files.createTempDirectory("masterha-raft-");
    this.logDir = logDir.toAbsolutePath();
    for (int i = 1; i <= size; i++) {
      peers.add(new Peer("n" + i, root.resolve("n" + i)));
    }
  }

  public int size() {
    return peers.size();
  }

  /** Starts every peer and waits until each accepts connections. */
  public void start() throws IOException, InterruptedException {
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Set<Integer> ports = new HashSet<>();
    for (Peer p : peers) {
      p.port = Ports.free(ports);
    }
    for (Peer p : peers) {
      launch(p);
    }
    for (int i = 0; i < peers.size(); i++) {
      awaitListening(i);
    }
  }

  /** {@code host:port,...} of every peer, for a {@code raft://} URL. */
  public String hostList() {
    return peers.stream().map(p -> "127.0.0.1:" + p.port).collect(Collectors.joining(","));
  }

  /** {@code id=host:port,...}, as every peer is told. */
  public String peerList() {
    return peers.stream().map(p -> p.id + "=127.0.0.1:" + p.port).collect(Collectors.joining(","));
  }

  public InetSocketAddress address(int index) {
    return new InetSocketAddress("127.0.0.1", peers.get(index).port);
  }

  public String id(int index) {
    return peers.get(index).id;
  }

  public boolean isRunning(int index) {
    return peers.get(index).running();
  }

  /** The process id of peer {@code index}; it must be running. */
  public long pid(int index) {
    Peer p = peers.get(index);
    if (!p.running()) {
      throw new IllegalStateException("raft peer " + p.id + " is not running");
    }
    return p.process.pid();
  }

  /** Peer {@code index}'s data directory (its {@code --data}: the Raft log and snapshots). */
  public Path dataDir(int index) {
    return peers.get(index).dir;
  }

  /** SIGKILL of peer {@code index}; its data stays for {@link #start(int)}. */
  public void kill(int index) throws InterruptedException {
    Peer p = peers.get(index);
    if (p.running()) {
      p.process.kill();
    }
  }

  /** SIGTERM of peer {@code index}, as an operator stops it. */
  public void stop(int index) throws InterruptedException {
    Peer p = peers.get(index);
    if (p.running()) {
      p.process.stop(Duration.ofSeconds(15));
    }
  }

  /** SIGSTOP of peer {@code index}, as a long GC pause or a frozen host. */
  public void pause(int index) {
    Peer p = peers.get(index);
    if (p.running()) {
      p.process.pause();
    }
  }

  /** SIGCONT of peer {@code index}. */
  public void resume(int index) {
    Peer p = peers.get(index);
    if (p.running()) {
      p.process.resume();
    }
  }

  /**
   * Stops every running peer (SIGTERM, all at once, as a whole-cluster restart does) and starts
   * them all again with their data, waiting until each listens: in parallel, so a restart costs one
   * JVM start, not one per peer.
   */
  public void restartAll() throws IOException, InterruptedException {
    List<Thread> stopping = new ArrayList<>();
    for (int i = 0; i < peers.size(); i++) {
      int index = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  stop(index);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "raft-peers-stop-" + peers.get(i).id);
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      t.join();
    }
    for (Peer p : peers) {
      launch(p);
    }
    for (int i = 0; i < peers.size(); i++) {
      awaitListening(i);
    }
  }

  /**
   * Starts one more peer, {@code n<size+1>}, on a free port with an empty data directory and {@code
   * --join}: it knows no peers and waits until the group's leader adds it ({@code
   * RaftAdmin.addPeer}). Waits until it listens; returns its index. Later starts of it ({@link
   * #start(int)}) are plain restarts with its data.
   */
  public int startJoining() throws IOException, InterruptedException {
    Set<Integer> taken = new HashSet<>();
    for (Peer p : peers) {
      taken.add(p.port);
    }
    String id = "n" + (peers.size() + 1);
    Peer p = new Peer(id, root.resolve(id));
    p.port = Ports.free(taken);
    p.joinOnNextLaunch = true;
    peers.add(p);
    launch(p);
    awaitListening(peers.size() - 1);
    return peers.size() - 1;
  }

  /** {@code id=127.0.0.1:port} of peer {@code index}, as {@code RaftAdmin.addPeer} takes it. */
  public String peerAddress(int index) {
    return "127.0.0.1:" + peers.get(index).port;
  }

  /** Starts peer {@code index} again on its port, with its data, and waits until it listens. */
  public void start(int index) throws IOException, InterruptedException {
    Peer p = peers.get(index);
    if (!p.running()) {
      launch(p);
    }
    awaitListening(index);
  }

  private void launch(Peer p) throws IOException {
    List<String> args = new ArrayList<>();
    if (p.joinOnNextLaunch) {
      // A joining peer is told only its own address: the group tells it the rest.
      args.addAll(List.of("--id", p.id, "--peers", p.id + "=127.0.0.1:" + p.port, "--join"));
      p.joinOnNextLaunch = false;
    } else {
      args.addAll(List.of("--id", p.id, "--peers", peerList()));
    }
    args.addAll(List.of("--data", p.dir.toString()));
    p.process =
        JavaProcess.start(
            "raft-" + p.id,
            // C1 only, as the tests' ZooKeeper servers: a peer's work is small, and C2 compiling on
            // two busy cores delays heartbeats into elections.
            List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            MAIN,
            args,
            logDir.resolve("raft-" + p.id + ".log"));
  }

  private void awaitListening(int index) throws InterruptedException, IOException {
    Peer p = peers.get(index);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.running()) {
        throw new IOException(
            "raft peer " + p.id + " exited while starting:\n" + p.process.logTail(30));
      }
      try (Socket s = new Socket()) {
        s.connect(address(index), 500);
        return;
      } catch (IOException notYet) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
    throw new IOException(
        "raft peer "
            + p.id
            + " did not listen on "
            + address(index)
            + " within "
            + START_TIMEOUT.toSeconds()
            + " s:\n"
            + p.process.logTail(30));
  }

  private void killAll() {
    for (Peer p : peers) {
      if (p.running()) {
        try {
          p.process.kill();
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
