package org.masterha.demo.master;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.masterha.demo.common.Cli;
import org.masterha.demo.common.Flags;
import org.masterha.ha.HaBackends;
import org.masterha.ha.embed.EmbeddedPeers;
import org.masterha.ha.embed.EmbeddedStore;
import org.slf4j.LoggerFactory;

/**
 * {@code masterha master}: runs one {@link DemoMaster} until it must exit or is stopped by a
 * signal.
 */
public final class MasterMain {
  private MasterMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    return Cli.run(
        "masterha master",
        MasterOptions.USAGE,
        System.err,
        () -> {
          Flags.Parsed flags = MasterOptions.FLAGS.parse(args);
          if (flags.help()) {
            System.out.print(MasterOptions.USAGE);
            return Cli.EXIT_OK;
          }
          HaBackends backends = HaBackends.load();
          MasterOptions options = MasterOptions.parse(flags, backends);
          CompletableFuture<Integer> exitCode = new CompletableFuture<>();
          // The raft peer first: the master's own session reaches the quorum through it.
          EmbeddedStore peer;
          try {
            peer = startPeer(options);
          } catch (IOException e) {
            System.err.println("masterha master: the raft peer did not start: " + e.getMessage());
            return Cli.EXIT_FAILURE;
          }
          DemoMaster master = new DemoMaster(options, backends, exitCode::complete);
          // SIGTERM / Ctrl-C: step down and delete our members at once, so the next master takes
          // over in milliseconds; only then stop the peer, which that step down goes through.
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(
                      () -> {
                        master.close();
                        closePeer(peer);
                      },
                      "master-shutdown"));
          try {
            master.start();
          } catch (IOException e) {
            System.err.println("masterha master: " + e.getMessage());
            return Cli.EXIT_FAILURE;
          }
          return exitCode.join();
        });
  }

  private static EmbeddedStore startPeer(MasterOptions options) throws IOException {
    if (options.raftPeer().isEmpty()) {
      return null;
    }
    EmbeddedPeers peers = options.raftPeer().get();
    EmbeddedStore peer = MasterOptions.raftStore(MasterOptions.RAFT_FLAGS).start(peers);
    LoggerFactory.getLogger(MasterMain.class).info("started {}", peer.describe());
    return peer;
  }

  private static void closePeer(EmbeddedStore peer) {
    if (peer == null) {
      return;
    }
    try {
      peer.close();
    } catch (IOException | RuntimeException e) {
      System.err.println("masterha master: the raft peer did not stop cleanly: " + e);
    }
  }
}
