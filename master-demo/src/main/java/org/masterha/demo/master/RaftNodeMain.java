package org.masterha.demo.master;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.Flags;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.embed.EmbeddedPeers;
import org.masterha.ha.embed.EmbeddedStore;
import org.masterha.ha.error.HaConfigException;

/**
 * {@code masterha raft-node}: one peer of the raft backend's quorum as a process of its own, for
 * masters and detectors that connect to the peers as clients ({@code raft://host:port,.../path}).
 * The peer comes from the raft backend on the class path, as a master's {@code --raft-peers} does.
 */
public final class RaftNodeMain {
  static final Flags FLAGS =
      Flags.builder()
          .value("id", "ID", "which of --peers this process runs", null)
          .value(
              "peers",
              "ID=HOST:PORT,...",
              "every peer's id and address, the same list on every peer (3 or 5 peers)",
              null)
          .value(
              "data",
              "DIR",
              "this peer's log and snapshots (created if missing; must be writable)",
              null)
          .bool(
              "join",
              "join a running group: start with an empty --data and no peers of its own (--peers"
                  + " needs only this peer's id=address) and wait for raft-admin add")
          .build();

  static final String USAGE =
      "Usage: masterha raft-node --id=ID --peers=ID=HOST:PORT,... --data=DIR [--join]\n\n"
          + "Runs one peer of the raft backend's quorum until stopped; masters and agents reach the peers with\n"
          + "--ha-url=raft://HOST:PORT,HOST:PORT,.../PATH. Needs the raft backend on the class path.\n"
          + "Exit codes: 0 --help, 1 the peer failed to start, 2 bad flags, 130/143 stopped by SIGINT/SIGTERM.\n\n"
          + "Flags:\n"
          + FLAGS.describe();

  private RaftNodeMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    return Cli.run(
        "masterha raft-node",
        USAGE,
        System.err,
        () -> {
          Flags.Parsed p = FLAGS.parse(args);
          if (p.help()) {
            System.out.print(USAGE);
            return Cli.EXIT_OK;
          }
          if (!p.positionals().isEmpty()) {
            throw new UsageException(
                "unexpected argument '"
                    + p.positionals().get(0)
                    + "'; flags look like --name=value");
          }
          EmbeddedPeers peers;
          try {
            peers =
                new EmbeddedPeers(
                    p.required("id", "n1"),
                    EmbeddedPeers.parse(p.required("peers", "n1=10.0.0.1:7070,...")),
                    Path.of(p.required("data", "/var/lib/masterha/raft")));
          } catch (HaConfigException e) {
            throw new UsageException("flags --id/--peers/--data: " + e.getMessage());
          }
          EmbeddedStore peer;
          try {
            peer =
                p.bool("join")
                    ? MasterOptions.raftStore("masterha raft-node").join(peers)
                    : MasterOptions.raftStore("masterha raft-node").start(peers);
          } catch (HaConfigException e) {
            throw new UsageException("flag --join: " + e.getMessage());
          }
          CountDownLatch stopped = new CountDownLatch(1);
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(
                      () -> {
                        try {
                          peer.close();
                        } catch (Exception e) {
                          System.err.println(
                              "masterha raft-node: the peer did not stop cleanly: " + e);
                        }
                        stopped.countDown();
                      },
                      "raft-node-shutdown"));
          System.out.println("masterha raft-node: serving, " + peer.describe());
          stopped.await();
          return Cli.EXIT_OK;
        });
  }
}
