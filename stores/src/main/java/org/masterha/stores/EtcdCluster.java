package org.masterha.stores;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;

/**
 * Real etcd servers for tests: Debian's etcd started on free loopback ports with temporary data
 * directories (in memory where /dev/shm exists, so fsync is cheap on a busy machine), one member or
 * several. It waits until they serve, can stop, kill and restart members, and always stops them: in
 * {@link #close()} and, should the JVM go down first, in a shutdown hook. Each member's output goes
 * to {@code target/etcd-logs/}.
 */
public final class EtcdCluster implements AutoCloseable {
  public static final String ROOT = "root";
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);

  /**
   * How to start the cluster. {@code scaledForShortSessions}: the conformance suite runs with 3 s
   * sessions, so etcd's timing is scaled the way production's 10 s sessions relate to etcd's
   * defaults. Raft heartbeat 50 ms and election timeout 500 ms (not 100 ms / 1 s): a killed raft
   * leader is replaced, and a restarted member serves again, in about a sixth of a session timeout,
   * as in production. And bcrypt cost 4 (not 10) for passwords: each login costs the server a
   * bcrypt check, tens of milliseconds of CPU at cost 10, and a suite that opens dozens of sessions
   * at once on a 2-core machine would starve keepalives for seconds, as a herd of 10 s sessions
   * would a server a fraction of the size. Without it, etcd runs with its defaults (and its minimum
   * lease TTL is 2 s).
   */
  public record Options(
      int members,
      Optional<TestCertificates> tls,
      Optional<String> rootPassword,
      boolean scaledForShortSessions) {
    public static Options defaults(int members) {
      return new Options(members, Optional.empty(), Optional.empty(), false);
    }
  }

  public final class Member {
    final String name;
    int clientPort;
    int peerPort;
    final Path dataDir;
    final Path log;
    Process process;

    Member(int index, Path dataDir, Path log) {
      this.name = "m" + index;
      this.dataDir = dataDir;
      this.log = log;
    }

    public String name() {
      return name;
    }

    /** The loopback port clients connect to. */
    public int clientPort() {
      return clientPort;
    }

    /** The member's process id; it must be running. */
    public long pid() {
      if (process == null) {
        throw new IllegalStateException("etcd member " + name + " was never started");
      }
      return process.pid();
    }

    /** The member's {@code --data-dir}: its write-ahead log and its snapshot and bolt database. */
    public Path dataDir() {
      return dataDir;
    }

    /** SIGSTOP: the member freezes, its connections stay open (a long GC, a frozen VM). */
    public void pause() {
      Signals.stop(pid());
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
      Signals.resume(pid());
    }

    public boolean running() {
      return process != null && process.isAlive();
    }

    public String clientUrl() {
      return (options.tls().isPresent() ? "https" : "http") + "://127.0.0.1:" + clientPort;
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }

    void start(String initialCluster) throws IOException {
      List<String> command =
          new ArrayList<>(
              List.of(
                  binary.toString(),
                  "--name",
                  name,
                  "--data-dir",
                  dataDir.toString(),
                  "--listen-client-urls",
                  clientUrl(),
                  "--advertise-client-urls",
                  clientUrl(),
                  "--listen-peer-urls",
                  peerUrl(),
                  "--initial-advertise-peer-urls",
                  peerUrl(),
                  "--initial-cluster",
                  initialCluster,
                  "--initial-cluster-state",
                  "new",
                  "--initial-cluster-token",
                  token,
                  "--logger",
                  "zap",
                  "--log-outputs",
                  "stderr"));
      if (options.scaledForShortSessions()) {
        command.addAll(
            List.of(
                "--heartbeat-interval", "50", "--election-timeout", "500", "--bcrypt-cost", "4"));
      }
      options
          .tls()
          .ifPresent(
              tls ->
                  command.addAll(
                      List.of(
                          "--cert-file",
                          tls.serverCert().toString(),
                          "--key-file",
                          tls.serverKey().toString(),
                          "--trusted-ca-file",
                          tls.ca().toString(),
                          "--client-cert-auth")));
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "==== " + String.join(" ", command) + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    }

    /** SIGTERM, as an operator stops it; SIGKILL if it does not go. */
    public void stop() throws InterruptedException {
      if (process == null) {
        return;
      }
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    }

    /** SIGKILL: the member dies without a word to its peers. */
    public void kill() throws InterruptedException {
      if (process != null) {
        process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    }

    public String logTail() {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }
  }

  private final Options options;
  private final Path binary;
  private final Path root;
  private final Path logDir;
  private final String token = "masterha-" + UUID.randomUUID();
  private final List<Member> members = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::killAll, "etcd-cluster-shutdown");
  private Client admin;

  public EtcdCluster(Options options, String testName) throws IOException {
    this(
        options,
        Path.of("target", "etcd-logs", testName + "-" + System.currentTimeMillis())
            .toAbsolutePath());
  }

  /** A cluster whose members log to {@code logDir} ({@code m0.log}, ...). */
  public EtcdCluster(Options options, Path logDir) throws IOException {
    this.options = options;
    this.binary = EtcdBinary.find();
    Path shm = Path.of("/dev/shm");
    this.root =
        Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "masterha-etcd-")
            : Files.createTempDirectory("masterha-etcd-");
    this.logDir = logDir.toAbsolutePath();
    for (int i = 0; i < options.members(); i++) {
      members.add(new Member(i, root.resolve("m" + i), logDir.resolve("m" + i + ".log")));
    }
  }

  public Options options() {
    return options;
  }

  public List<Member> members() {
    return members;
  }

  public Path logDir() {
    return logDir;
  }

  /** Starts every member on free ports and waits until the cluster serves. */
  public void start() throws Exception {
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Exception last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      Set<Integer> ports = new HashSet<>();
      for (Member m : members) {
        m.clientPort = Ports.free(ports);
        m.peerPort = Ports.free(ports);
      }
      String initialCluster =
          String.join(",", members.stream().map(m -> m.name + "=" + m.peerUrl()).toList());
      for (Member m : members) {
        m.start(initialCluster);
      }
      try {
        admin = newAdminClient(Optional.empty());
        awaitHealthy();
        options.rootPassword().ifPresent(this::enableAuth);
        return;
      } catch (Exception e) {
        last = e;
        // Another process may have taken a port between our probe and etcd's bind: try again on new
        // ones.
        boolean portTaken =
            members.stream().anyMatch(m -> m.logTail().contains("address already in use"));
        killAll();
        closeAdmin();
        for (Member m : members) {
          deleteTree(m.dataDir);
        }
        if (!portTaken) {
          break;
        }
      }
    }
    throw new IllegalStateException("etcd did not start; logs in " + logDir, last);
  }

  /** A client on every member, as the root user once auth is on. */
  public Client admin() {
    return admin;
  }

  /** Endpoints {@code 127.0.0.1:port} of every member. */
  public List<String> endpoints() {
    return members.stream().map(m -> "127.0.0.1:" + m.clientPort).toList();
  }

  private Client newAdminClient(Optional<String> rootPassword) {
    ClientBuilder b =
        Client.builder()
            .endpoints(members.stream().map(m -> URI.create(m.clientUrl())).toArray(URI[]::new))
            .connectTimeout(Duration.ofSeconds(3));
    options.tls().ifPresent(tls -> b.sslContext(clientSsl(tls)));
    rootPassword.ifPresent(p -> b.user(bytes(ROOT)).password(bytes(p)));
    return b.build();
  }

  private static SslContext clientSsl(TestCertificates tls) {
    try {
      return GrpcSslContexts.forClient()
          .trustManager(tls.ca().toFile())
          .keyManager(tls.clientCert().toFile(), tls.clientKey().toFile())
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("bad test certificates in " + tls.dir(), e);
    }
  }

  /** Turns auth on with a root user, as an operator would. */
  private void enableAuth(String rootPassword) {
    try {
      var auth = admin.getAuthClient();
      auth.userAdd(bytes(ROOT), bytes(rootPassword)).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes(ROOT), bytes(ROOT)).get(10, TimeUnit.SECONDS);
      auth.authEnable().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not enable auth on etcd", e);
    }
    closeAdmin();
    admin = newAdminClient(Optional.of(rootPassword));
  }

  /** Adds a user with read-write access to every key under {@code /}. */
  public void addUser(String user, String password) throws Exception {
    var auth = admin.getAuthClient();
    auth.roleAdd(bytes(user)).get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(bytes(user), bytes("/"), bytes("0"), Permission.Type.READWRITE)
        .get(10, TimeUnit.SECONDS);
    auth.userAdd(bytes(user), bytes(password)).get(10, TimeUnit.SECONDS);
    auth.userGrantRole(bytes(user), bytes(user)).get(10, TimeUnit.SECONDS);
  }

  /**
   * Waits until every running member answers and they agree on a raft leader, and a read succeeds.
   */
  public void awaitHealthy() {
    long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
    String why = "not checked yet";
    while (System.nanoTime() - deadline < 0) {
      for (Member m : members) {
        if (m.process != null && !m.process.isAlive() && !stopped(m)) {
          throw new IllegalStateException(
              "etcd member "
                  + m.name
                  + " exited with "
                  + m.process.exitValue()
                  + ":\n"
                  + m.logTail());
        }
      }
      try {
        Set<Long> leaders = new HashSet<>();
        for (Member m : members) {
          if (m.running()) {
            leaders.add(status(m).getLeader());
          }
        }
        if (leaders.size() == 1 && !leaders.contains(0L)) {
          admin.getKVClient().get(bytes("/health-check")).get(3, TimeUnit.SECONDS);
          return;
        }
        why = "members see leaders " + leaders;
      } catch (Exception e) {
        why = e.toString();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new IllegalStateException(
        "etcd did not become healthy within "
            + HEALTHY_WITHIN
            + ": "
            + why
            + "; logs in "
            + logDir);
  }

  private final Set<Member> stoppedMembers = new HashSet<>();

  private boolean stopped(Member m) {
    return stoppedMembers.contains(m);
  }

  public StatusResponse status(Member m) throws Exception {
    return admin
        .getMaintenanceClient()
        .statusMember("127.0.0.1:" + m.clientPort)
        .get(2, TimeUnit.SECONDS);
  }

  /** The member that is the raft leader now. */
  public Member leader() throws Exception {
    for (Member m : members) {
      if (m.running()) {
        StatusResponse s = status(m);
        if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
          return m;
        }
      }
    }
    throw new IllegalStateException("no etcd member says it leads");
  }

  /** Kills the raft leader (SIGKILL) and waits until the others have elected a new one. */
  public Member killLeader() throws Exception {
    Member leader = leader();
    stoppedMembers.add(leader);
    leader.kill();
    awaitHealthy();
    return leader;
  }

  /**
   * Kills {@code member} (SIGKILL), remembering it for {@link #startStopped()}; does not wait for
   * the cluster to recover.
   */
  public void kill(Member member) throws InterruptedException {
    stoppedMembers.add(member);
    member.kill();
  }

  /** The raft leader now, if a running member says it leads (asked with a short timeout). */
  public Optional<Member> findLeader() {
    try {
      return Optional.of(leader());
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * Starts the members stopped before, on their ports and data, and waits until the cluster serves.
   */
  public void startStopped() throws Exception {
    String initialCluster =
        String.join(",", members.stream().map(m -> m.name + "=" + m.peerUrl()).toList());
    for (Member m : List.copyOf(stoppedMembers)) {
      m.start(initialCluster);
      stoppedMembers.remove(m);
    }
    awaitHealthy();
  }

  /** Stops every member and starts them again with their data. */
  public void restartAll() throws Exception {
    for (Member m : members) {
      stoppedMembers.add(m);
    }
    for (Member m : members) {
      m.stop();
    }
    startStopped();
  }

  private void killAll() {
    for (Member m : members) {
      try {
        if (m.process != null && m.process.isAlive()) {
          m.process.destroy();
          if (!m.process.waitFor(5, TimeUnit.SECONDS)) {
            m.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        m.process.destroyForcibly();
      }
    }
  }

  private void closeAdmin() {
    if (admin != null) {
      admin.close();
      admin = null;
    }
  }

  @Override
  public void close() {
    closeAdmin();
    killAll();
    deleteTree(root);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it is a temporary directory
    }
  }

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
