package org.masterha.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.masterha.ha.HaConfig;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;

/**
 * Operator actions on a raft group, what {@code zkCli.sh} or {@code etcdctl} offer for the other
 * stores: which peer leads the group, and wiping a base path (every member and state variable under
 * it, as deleting a ZooKeeper base path does; docs/contract.md, rule 11). The fault campaign uses
 * both. Opens no session, so it never holds a member.
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

  /** The peers' addresses, as the URL gave them (with the default port filled in). */
  public List<String> peers() {
    return settings.endpoints();
  }

  /**
   * The index in {@link #peers()} of the peer that says it leads the group now; empty while none
   * does (an election, no majority) or the leader does not answer.
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
