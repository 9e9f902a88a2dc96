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

  /** The HA URL under {@code basePath} (e.g. {@code /masterha}) that reaches every peer. */
  String url(EmbeddedPeers peers, String basePath);
}
