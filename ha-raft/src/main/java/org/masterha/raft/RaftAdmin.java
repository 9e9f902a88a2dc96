package org.masterha.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;
import org.masterha.ha.HaConfig;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;

/**
 * Operator actions on a raft group, what {@code zkCli.sh} or {@code etcdctl} offer for the other
 * stores: which peer leads the group, the group's peers, adding and removing a peer (Ratis'
 * setConfiguration, one peer at a time), and wiping a base path (every member and state variable
 * under it, as deleting a ZooKeeper base path does; docs/contract.md, rule 11). The fault campaign
 * uses the leader and the wipe. Opens no session, so it never holds a member.
 */
public final class RaftAdmin implements AutoCloseable {
  private final RaftSettings settings;
  private final RaftConnection connection;

  private RaftAdmin(RaftSettings settings) {
    this.settings = settings;
    this.connection = new RaftConnection(settings);
  }

  /**
   * For the group and base path a {@code raft://} URL names, e.g. {@code
   * raft://10.0.0.1:7070,10.0.0.2:7070,10.0.0.3:7070/mesos}.
   *
   * @throws org.masterha.ha.error.HaConfigException if the URL is not a valid raft URL
   */
  public static RaftAdmin connect(String url) {
    return new RaftAdmin(RaftSettings.from(HaConfig.of(url)));
  }

  /** One peer of the group: its id and its address, as the group's configuration has them. */
  public record Peer(String id, String address) {
    @Override
    public String toString() {
      return id + "=" + address;
    }
  }

  /** The addresses the URL gave (with the default port filled in), in its order. */
  public List<String> addresses() {
    return settings.endpoints();
  }

  /**
   * The group's peers now: its configuration as the Raft leader reports it (else as the first peer
   * that answers reports it, while no peer leads), which after an {@link #addPeer} or {@link
   * #removePeer} is not the URL's list. The URL's peers are asked first, then the peers they
   * report, so a URL that names only some of the peers (or some removed ones) still finds them.
   *
   * @throws IOException if no peer answers
   */
  public List<Peer> peers() throws IOException {
    GroupInfoReply info = groupInfo(true);
    if (info == null) {
      info = groupInfo(false);
    }
    if (info == null) {
      throw new IOException("no raft peer answers at " + settings.endpoints());
    }
    return peersOf(info);
  }

  /**
   * The id of the peer that says it leads the group now, among the URL's peers and the peers they
   * report; empty while none does.
   */
  public java.util.Optional<String> leaderId() {
    GroupInfoReply info = groupInfo(true);
    return info == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(info.getRoleInfoProto().getSelf().getId().toStringUtf8());
  }

  /**
   * Adds the peer {@code id} at {@code address} (host:port) to the group as a voting member. The
   * peer must be running, started to join ({@code raft-node --join}: an empty data directory and no
   * peers of its own). The Raft leader first brings it up to date (from its log, or by sending its
   * snapshot), then commits the new configuration; when this returns, the peer votes and counts
   * towards every majority. One peer at a time: a change waits for the one before.
   *
   * @throws IllegalArgumentException if {@code id} is already a peer, its address is another
   *     peer's, the peer at {@code address} has another id, or it was not started to join
   * @throws IOException if no peer leads the group (no majority), nothing answers at {@code
   *     address}, or the group refused the change (e.g. another change in progress)
   * @throws TimeoutException if the change was not committed within {@code timeout}; the peer may
   *     still be added: ask {@link #peers()}
   */
  public void addPeer(String id, String address, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    checkId(id);
    checkAddress(address);
    long deadline = System.nanoTime() + timeout.toNanos();
    GroupInfoReply leader = leaderInfo(deadline);
    List<Peer> current = peersOf(leader);
    for (Peer p : current) {
      if (p.id().equals(id)) {
        throw new IllegalArgumentException(
            "raft peer '" + id + "' is already in the group " + current + "; nothing to add");
      }
      if (p.address().equals(address)) {
        throw new IllegalArgumentException(
            "address " + address + " is already peer '" + p.id() + "' of the group " + current);
      }
    }
    GroupInfoReply joining;
    try {
      joining = connection.probe(address);
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "no raft peer of group '"
              + settings.group()
              + "' answers at "
              + address
              + " ("
              + e.getMessage()
              + "); start it first: raft-node --join --id="
              + id
              + " --peers="
              + id
              + "="
              + address
              + " --data=EMPTY_DIR (a peer removed before must be stopped and its data directory"
              + " emptied first)",
          e);
    }
    String there = joining.getRoleInfoProto().getSelf().getId().toStringUtf8();
    if (!there.equals(id)) {
      throw new IllegalArgumentException(
          "the raft peer at " + address + " is '" + there + "', not '" + id + "'");
    }
    if (!joining.getGroup().getPeers().isEmpty()) {
      throw new IllegalArgumentException(
          "the raft peer '"
              + id
              + "' at "
              + address
              + " already has peers "
              + joining.getGroup().getPeers()
              + ", so it was not started to join (or was a member before): stop it, empty its data"
              + " directory and start it with raft-node --join");
    }
    List<Peer> next = new ArrayList<>(current);
    next.add(new Peer(id, address));
    change(leader, current, next, deadline, "add raft peer " + id + " at " + address);
  }

  /**
   * Removes the peer {@code id} from the group; it may be the Raft leader, which then hands over to
   * another peer. Majorities are counted over the remaining peers once this returns; stop the
   * removed peer afterwards (it no longer takes part) and empty its data directory before it ever
   * joins again.
   *
   * @throws IllegalArgumentException if {@code id} is not a peer, or is the last one
   * @throws IOException if no peer leads the group (no majority) or the group refused the change
   * @throws TimeoutException if the change was not committed within {@code timeout}
   */
  public void removePeer(String id, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    GroupInfoReply leader = leaderInfo(deadline);
    List<Peer> current = peersOf(leader);
    List<Peer> next = new ArrayList<>(current);
    if (!next.removeIf(p -> p.id().equals(id))) {
      throw new IllegalArgumentException(
          "raft peer '" + id + "' is not in the group; its peers are " + current);
    }
    if (next.isEmpty()) {
      throw new IllegalArgumentException(
          "raft peer '" + id + "' is the group's last peer; a group keeps at least one");
    }
    change(leader, current, next, deadline, "remove raft peer " + id);
  }

  /**
   * Asks the Raft leader to go from {@code current} to {@code next}, compare-and-set: a change made
   * by someone else in the meantime fails this one instead of being undone.
   */
  private void change(
      GroupInfoReply leader, List<Peer> current, List<Peer> next, long deadline, String what)
      throws IOException, InterruptedException, TimeoutException {
    long remainingMs = remainingMs(deadline, what);
    RaftProperties properties = new RaftProperties();
    // One attempt waits for the whole change: the leader answers only once the new peer caught up
    // and the new configuration is committed, and a second attempt would fail the compare.
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(remainingMs, TimeUnit.MILLISECONDS));
    RaftGroup group = clientGroup(leader, remainingMs);
    SetConfigurationRequest.Arguments arguments =
        SetConfigurationRequest.Arguments.newBuilder()
            .setServersInCurrentConf(raftPeers(current))
            .setServersInNewConf(raftPeers(next))
            .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
            .build();
    RaftClientReply reply;
    try (RaftClient client =
        RaftClient.newBuilder()
            .setProperties(properties)
            .setRaftGroup(group)
            .setLeaderId(RaftPeerId.valueOf(leader.getRoleInfoProto().getSelf().getId()))
            .setRetryPolicy(untilLeaderFound(deadline))
            .build()) {
      reply = client.admin().setConfiguration(arguments);
    } catch (IOException e) {
      if (System.nanoTime() >= deadline) {
        throw (TimeoutException)
            new TimeoutException(
                    "could not "
                        + what
                        + " in time: "
                        + e
                        + "; the change may still be committed, see the group's peers")
                .initCause(e);
      }
      throw new IOException("could not " + what + ": " + e.getMessage(), e);
    }
    if (!reply.isSuccess()) {
      throw new IOException(
          "the raft group refused to " + what + ": " + reply.getException(), reply.getException());
    }
  }

  /** The URL's peers (at the URL's addresses) and any other peer the leader reports. */
  private RaftGroup clientGroup(GroupInfoReply leader, long timeoutMs)
      throws IOException, InterruptedException, TimeoutException {
    RaftGroup discovered;
    try {
      discovered = connection.group().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("the raft group at " + settings.endpoints() + ": " + e.getCause(), e);
    }
    // Only the leader's peers: a removed peer still running may still answer as if it led (and
    // held a change sent to it until the timeout). Each at the URL's address where it has one.
    Map<RaftPeerId, RaftPeer> atUrl = new LinkedHashMap<>();
    discovered.getPeers().forEach(p -> atUrl.put(p.getId(), p));
    List<RaftPeer> peers = new ArrayList<>();
    leader.getGroup().getPeers().forEach(p -> peers.add(atUrl.getOrDefault(p.getId(), p)));
    return RaftGroup.valueOf(discovered.getGroupId(), peers);
  }

  /** Retries what proves the change was not made: not the leader, leader not ready. */
  private static RetryPolicy untilLeaderFound(long deadline) {
    return event -> {
      boolean notApplied = false;
      for (Throwable t = event.getCause(); t != null; t = t.getCause()) {
        notApplied |= t instanceof NotLeaderException || t instanceof LeaderNotReadyException;
      }
      if (notApplied && System.nanoTime() < deadline - TimeUnit.MILLISECONDS.toNanos(100)) {
        return () -> TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
      }
      return RetryPolicy.NO_RETRY_ACTION;
    };
  }

  /** The Raft leader's group info, asked again until {@code deadline}. */
  private GroupInfoReply leaderInfo(long deadline) throws IOException, TimeoutException {
    while (true) {
      GroupInfoReply info = groupInfo(true);
      if (info != null) {
        return info;
      }
      if (System.nanoTime() >= deadline) {
        throw new IOException(
            "no raft peer at "
                + settings.endpoints()
                + " (or the peers they report) leads the group: a change needs a majority of the"
                + " peers up");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /**
   * The group info of the peer that leads (or, {@code leaderOnly} false, of the first that
   * answers): the URL's addresses first, then the addresses the answering peers report.
   */
  private GroupInfoReply groupInfo(boolean leaderOnly) {
    Deque<String> toAsk = new ArrayDeque<>(settings.endpoints());
    Set<String> asked = new HashSet<>();
    Set<String> ids = new HashSet<>();
    while (!toAsk.isEmpty()) {
      String address = toAsk.poll();
      if (!asked.add(address)) {
        continue;
      }
      GroupInfoReply info;
      try {
        info = connection.probe(address);
      } catch (IOException | RuntimeException notAnswering) {
        continue; // down, paused or starting
      }
      if (!leaderOnly || leads(info)) {
        return info;
      }
      ids.add(info.getRoleInfoProto().getSelf().getId().toStringUtf8());
      for (RaftPeer p : info.getGroup().getPeers()) {
        // A peer the URL names is not asked again at the address the others report for it.
        if (!ids.contains(p.getId().toString())) {
          toAsk.add(p.getAddress());
        }
      }
    }
    return null;
  }

  /**
   * Whether the peer says it leads and is one of its own configuration's peers: a leader just
   * removed from the group says it leads until it notices.
   */
  private static boolean leads(GroupInfoReply info) {
    RaftPeerId self = RaftPeerId.valueOf(info.getRoleInfoProto().getSelf().getId());
    return info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER
        && info.getGroup().getPeers().stream().anyMatch(p -> p.getId().equals(self));
  }

  private static List<Peer> peersOf(GroupInfoReply info) {
    List<Peer> peers = new ArrayList<>();
    for (RaftPeer p : info.getGroup().getPeers()) {
      peers.add(new Peer(p.getId().toString(), p.getAddress()));
    }
    return peers;
  }

  private static List<RaftPeer> raftPeers(List<Peer> peers) {
    return peers.stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
        .toList();
  }

  private static long remainingMs(long deadline, String what) throws TimeoutException {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (ms <= 0) {
      throw new TimeoutException("no time left to " + what);
    }
    return ms;
  }

  static void checkId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException(
          "raft peer id '" + id + "' is not accepted; expected letters, digits, '_', '.' or '-'");
    }
  }

  static void checkAddress(String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    boolean ok = colon > 0 && address.substring(colon + 1).matches("\\d{1,5}");
    if (!ok || Integer.parseInt(address.substring(colon + 1)) > 65535) {
      throw new IllegalArgumentException(
          "raft peer address '" + address + "' is not host:port; expected e.g. 10.0.0.4:7070");
    }
  }

  /**
   * The index in {@link #addresses()} of the peer that says it leads the group now; empty while
   * none does (an election, no majority), the leader does not answer, or the leader is a peer the
   * URL does not name (see {@link #leaderId()}).
   */
  public OptionalInt leader() {
    List<String> peers = settings.endpoints();
    for (int i = 0; i < peers.size(); i++) {
      try {
        if (connection.leads(peers.get(i))) {
          return OptionalInt.of(i);
        }
      } catch (IOException | RuntimeException notAnswering) {
        // down, paused or starting: ask the next (Ratis' blocking API also throws gRPC's runtime
        // exceptions)
      }
    }
    return OptionalInt.empty();
  }

  /**
   * Waits until the group serves: a leader has committed a command (a no-op) through a majority.
   * Peers listen, and may even name a leader, before that; a session opened earlier may spend its
   * first timeout waiting for an election to settle. A read would not do: Ratis 3.2 answers a read
   * index from a leader that lost its majority until that leader steps down.
   *
   * @throws TimeoutException if nothing was committed within {@code timeout} (no majority)
   */
  public void awaitServing(Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    try {
      connection
          .write(new Wire.Out().op(Op.SYNC).toBytes())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException(
          "the raft group at " + settings.endpoints() + " does not serve: " + e.getCause(), e);
    }
  }

  /**
   * Removes the URL's base path: every member under it (their sessions stay, so their holders learn
   * the loss by watching) and every state variable. Sequence counters do not go back.
   *
   * @throws TimeoutException if the group did not apply it within {@code timeout} (no majority)
   */
  public void wipe(Duration timeout) throws IOException, InterruptedException, TimeoutException {
    try {
      connection
          .write(new Wire.Out().op(Op.WIPE).str(settings.basePath()).toBytes())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("could not wipe " + settings.basePath() + ": " + e.getCause(), e);
    }
  }

  @Override
  public void close() {
    connection.close();
  }
}
