package org.masterha.ha.embed;

import java.io.IOException;

/**
 * A backend that can run one server (peer) of its own store inside this process: registered with
 * {@link java.util.ServiceLoader} beside the backend's {@code org.masterha.ha.HaBackend}.
 */
public interface EmbeddedStoreProvider {
  /** The backend's name, as {@code --ha-backend} takes it; e.g. {@code raft}. */
  String backend();

  /** Starts this process's peer; it serves until the returned store is closed. */
  EmbeddedStore start(EmbeddedPeers peers) throws IOException;

  /**
   * Starts this process's peer to join a running group: with no peers of its own, it waits until
   * the group adds it (for raft, {@code RaftAdmin.addPeer}). Its data directory must be empty.
   *
   * @throws org.masterha.ha.error.HaConfigException if the backend's peers cannot join, or the data
   *     directory already holds data
   */
  default EmbeddedStore join(EmbeddedPeers peers) throws IOException {
    throw new org.masterha.ha.error.HaConfigException(
        "a " + backend() + " peer cannot join a running group; start it with every peer listed");
  }

  /** The HA URL under {@code basePath} (e.g. {@code /masterha}) that reaches every peer. */
  String url(EmbeddedPeers peers, String basePath);
}
