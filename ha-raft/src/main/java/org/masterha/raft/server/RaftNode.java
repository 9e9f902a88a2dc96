package org.masterha.raft.server;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.masterha.ha.error.HaConfigException;

/**
 * One peer of the raft backend's group: a Ratis server running the {@link
 * CoordinationStateMachine}, with its log and snapshots in a data directory of its own. Masters run
 * one each (or one per host), so the masters themselves are the quorum; {@code main} runs it as a
 * process:
 *
 * <pre>
 * raft-node --id n1 --peers n1=10.0.0.1:7070,n2=10.0.0.2:7070,n3=10.0.0.3:7070 --data /var/lib/masterha/raft
 * </pre>
 *
 * <p>A peer started with {@code --join} (and an empty data directory) joins a running group: it
 * knows no peers until the group's leader adds it ({@code RaftAdmin.addPeer}).
 */
public final class RaftNode implements Closeable {
  /** The group every peer and client of one deployment names unless told otherwise. */
  public static final String DEFAULT_GROUP = "masterha";

  private final Options options;
  private final RaftServer server;
  private final CoordinationStateMachine stateMachine = new CoordinationStateMachine();

  /**
   * The file a joining peer leaves in its data directory (beside Ratis' group directory, which is
   * all Ratis looks at): on a later start it tells this peer to take its configuration from its own
   * log only, never from {@code --peers}, so that a joined peer restarted before it was added waits
   * to be added instead of electing itself leader of a group of its own.
   */
  static final String JOINED_MARKER = "masterha-joined";

  /**
   * What a peer needs: its id, every peer's id and address, a data directory, a group name, and
   * whether it joins a running group ({@code join}): then it starts with an empty configuration and
   * waits for the group's leader to add it ({@code RaftAdmin.addPeer}); {@code peers} needs only
   * this peer's own address.
   */
  public record Options(
      String id, Map<String, String> peers, Path dataDir, String group, boolean join) {
    public Options(String id, Map<String, String> peers, Path dataDir, String group) {
      this(id, peers, dataDir, group, false);
    }

    public Options {
      Objects.requireNonNull(id, "id");
      peers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(peers));
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(group, "group");
      if (!peers.containsKey(id)) {
        throw new HaConfigException(
            "raft peer id '" + id + "' is not one of the peers " + peers.keySet());
      }
    }

    public String address() {
      return peers.get(id);
    }
  }

  public RaftNode(Options options) throws IOException {
    this(options, properties -> {});
  }

  /**
   * A peer whose Ratis properties {@code tuning} may change after the defaults are set: tests use
   * it to take snapshots every few entries; a deployment has no need of it.
   */
  public RaftNode(Options options, Consumer<RaftProperties> tuning) throws IOException {
    this.options = options;
    RaftProperties properties = new RaftProperties();
    File dir = options.dataDir().toFile();
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir));
    // Reads go through the leader's read index, never served from a lagging follower's own state.
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Elections well inside a session timeout (3 s in the tests, 10 s by default).
    RaftServerConfigKeys.Rpc.setTimeoutMin(
        properties, TimeDuration.valueOf(400, java.util.concurrent.TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(
        properties, TimeDuration.valueOf(800, java.util.concurrent.TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, 10_000L);
    // A snapshot taken while stopping left a restarted leader unable to find the entry before a
    // follower's next index (Ratis' "Previous TermIndex not found"); see ha-raft/STATUS.md.
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(properties, false);
    // No metadata entry after every commit: Ratis would append (and sync) a second log entry for
    // each keep-alive only to remember the commit index across a restart, which Raft does not need
    // (a restarted peer learns it from the leader). Halves the log writes of an idle contender.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
    GrpcConfigKeys.Server.setPort(properties, port(options.address()));
    tuning.accept(properties);
    boolean fresh = !Files.isDirectory(dir.toPath()) || isEmpty(dir.toPath());
    Path marker = dir.toPath().resolve(JOINED_MARKER);
    if (options.join() && !fresh) {
      throw new HaConfigException(
          "--join is for a new peer with an empty data directory, but "
              + dir
              + " already holds raft data; start this peer without --join (it takes its place in"
              + " the group from its own log, or keeps waiting to be added), or empty the directory"
              + " to join afresh");
    }
    if (options.join()) {
      Files.createDirectories(dir.toPath());
      Files.writeString(marker, "joined group " + options.group() + " as " + options.id() + "\n");
    }
    // A joining peer (now or at its first start) knows no peers: the leader's setConfiguration
    // tells it the group, and its log keeps that across restarts.
    RaftGroup group =
        options.join() || Files.exists(marker)
            ? RaftGroup.valueOf(groupId(options.group()))
            : group(options.group(), options.peers());
    this.server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(options.id()))
            .setGroup(group)
            .setProperties(properties)
            .setStateMachine(stateMachine)
            .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
            .build();
  }

  /** The Ratis group of {@code peers} (id to host:port) named {@code name}. */
  public static RaftGroup group(String name, Map<String, String> peers) {
    List<RaftPeer> list = new ArrayList<>();
    peers.forEach(
        (id, address) -> list.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
    return RaftGroup.valueOf(groupId(name), list);
  }

  /** The group id for a group name: the same on every peer and client. */
  public static RaftGroupId groupId(String name) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("masterha-raft:" + name).getBytes(StandardCharsets.UTF_8)));
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static int port(String address) {
    int colon = address.lastIndexOf(':');
    try {
      return Integer.parseInt(address.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new HaConfigException(
          "raft peer address '" + address + "' has no port; expected host:port");
    }
  }

  public RaftNode start() throws IOException {
    server.start();
    return this;
  }

  public Options options() {
    return options;
  }

  public String id() {
    return options.id();
  }

  /** Whether this peer is the group's Raft leader right now. */
  public boolean isLeader() {
    try {
      return server.getDivision(groupId(options.group())).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  /** This peer's part of the group (its log, its role): for tests. */
  RaftServer.Division division() throws IOException {
    return server.getDivision(groupId(options.group()));
  }

  public CoordinationStateMachine stateMachine() {
    return stateMachine;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  @Override
  public String toString() {
    return "RaftNode[" + options.id() + "@" + options.address() + "]";
  }

  /** {@code id=host:port,id=host:port,...}, in order. */
  public static Map<String, String> parsePeers(String list) {
    Map<String, String> peers = new LinkedHashMap<>();
    for (String part : list.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq <= 0 || eq == part.length() - 1) {
        throw new HaConfigException(
            "raft peer '" + part + "' is not id=host:port; expected e.g. n1=10.0.0.1:7070");
      }
      port(part.substring(eq + 1));
      if (peers.put(part.substring(0, eq), part.substring(eq + 1)) != null) {
        throw new HaConfigException("raft peer id '" + part.substring(0, eq) + "' is given twice");
      }
    }
    return peers;
  }

  /** Runs one peer until the process is stopped. */
  public static void main(String[] args) throws Exception {
    String id = null;
    String peers = null;
    String data = null;
    String group = DEFAULT_GROUP;
    boolean join = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--join")) {
        join = true;
        continue;
      }
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--id" -> id = value;
        case "--peers" -> peers = value;
        case "--data" -> data = value;
        case "--group" -> group = value;
        default -> {
          System.err.println(
              "unknown argument '"
                  + args[i]
                  + "'; usage: raft-node --id ID --peers ID=HOST:PORT,... --data DIR [--group NAME] [--join]");
          System.exit(2);
        }
      }
      i++;
    }
    if (id == null || peers == null || data == null) {
      System.err.println(
          "usage: raft-node --id ID --peers ID=HOST:PORT,... --data DIR [--group NAME] [--join]"
              + " (--id, --peers and --data are required)");
      System.exit(2);
    }
    RaftNode node =
        new RaftNode(new Options(id, parsePeers(peers), Path.of(data), group, join)).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                  } catch (IOException e) {
                    System.err.println("raft peer " + node.id() + " did not close cleanly: " + e);
                  }
                  stopped.countDown();
                }));
    System.out.println("raft peer " + node.id() + " serving on " + node.options().address());
    stopped.await();
  }
}
