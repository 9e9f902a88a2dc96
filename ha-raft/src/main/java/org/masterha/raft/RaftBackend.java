package org.masterha.raft;

import java.util.Set;
import org.masterha.ha.HaBackend;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;

/**
 * The raft backend: {@code raft://host:port[,host:port...]/path}, the peers of a group of {@link
 * org.masterha.raft.server.RaftNode}s (Apache Ratis) that replicate the coordination state
 * themselves, so the masters are the quorum and no external store is needed. The default port is
 * {@value RaftSettings#DEFAULT_PORT}.
 *
 * <p>A session is a Ratis client and one coordination session kept alive by replicated keep-alives;
 * members are ephemeral sequential entries of the replicated state, their sequence (a leader's
 * epoch) a per-path counter that never goes back.
 */
public final class RaftBackend implements HaBackend {
  public static final String NAME = "raft";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> schemes() {
    return Set.of("raft");
  }

  @Override
  public HaSession open(HaConfig config) {
    return new RaftSession(config, RaftSettings.from(config));
  }
}
