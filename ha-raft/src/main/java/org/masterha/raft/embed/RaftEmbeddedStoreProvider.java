package org.masterha.raft.embed;

import java.io.IOException;
import java.util.stream.Collectors;
import org.masterha.ha.embed.EmbeddedPeers;
import org.masterha.ha.embed.EmbeddedStore;
import org.masterha.ha.embed.EmbeddedStoreProvider;
import org.masterha.raft.RaftBackend;
import org.masterha.raft.server.RaftNode;

/**
 * Runs a {@link RaftNode} inside the process that uses it (a master: {@code --raft-peers}, {@code
 * --raft-self}, {@code --raft-data}), so the masters themselves are the quorum; found with {@link
 * java.util.ServiceLoader}.
 */
public final class RaftEmbeddedStoreProvider implements EmbeddedStoreProvider {
  @Override
  public String backend() {
    return RaftBackend.NAME;
  }

  @Override
  public EmbeddedStore start(EmbeddedPeers peers) throws IOException {
    return start(peers, false);
  }

  @Override
  public EmbeddedStore join(EmbeddedPeers peers) throws IOException {
    return start(peers, true);
  }

  private EmbeddedStore start(EmbeddedPeers peers, boolean join) throws IOException {
    RaftNode node =
        new RaftNode(
                new RaftNode.Options(
                    peers.self(),
                    peers.peers(),
                    peers.prepareDataDir(),
                    RaftNode.DEFAULT_GROUP,
                    join))
            .start();
    String description =
        "raft peer "
            + peers.self()
            + " at "
            + peers.address()
            + (join ? ", joining (waits to be added)" : " of " + peers.peers().size())
            + " (data in "
            + peers.dataDir()
            + ")";
    return new EmbeddedStore() {
      @Override
      public String describe() {
        return description;
      }

      @Override
      public void close() throws IOException {
        node.close();
      }
    };
  }

  @Override
  public String url(EmbeddedPeers peers, String basePath) {
    return "raft://" + peers.peers().values().stream().collect(Collectors.joining(",")) + basePath;
  }
}
