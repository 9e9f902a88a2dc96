package org.masterha.raft;

import java.util.concurrent.Executor;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.client.GrpcClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.util.IOUtils;

/**
 * Ratis' gRPC client transport, except that dropping the connection to a peer that failed does not
 * hold up the thread that noticed the failure.
 *
 * <p>When a request to the Raft leader times out, Ratis' client moves to another peer and closes
 * its channel to the old one, gracefully, waiting up to 3 s for it to terminate (Ratis 3.2's
 * GrpcUtil). A paused peer (SIGSTOP, a long GC) keeps the connection open and never lets it
 * terminate, so the thread waits the whole 3 s, and that thread is Ratis' shared timeout timer,
 * which was also to send the request again to the new leader: a session's keep-alives stopped for 3
 * s after the timeout and the session's deadline passed while the other peers had long elected a
 * leader. Here the old channel is dropped on {@code closer} and the retry goes out at once.
 */
final class ResettingClientRpc extends GrpcClientRpc {
  private final Executor closer;

  ResettingClientRpc(ClientId clientId, RaftProperties properties, Executor closer) {
    super(clientId, properties, null, null);
    this.closer = closer;
  }

  @Override
  public boolean handleException(RaftPeerId serverId, Throwable t, boolean reconnect) {
    if (!reconnect && !IOUtils.shouldReconnect(t)) {
      return false;
    }
    closer.execute(() -> super.handleException(serverId, t, true));
    return true;
  }
}
