package org.masterha.zookeeper;

import java.util.function.Consumer;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;

/**
 * A request made on the session's event thread that can be issued again once the session is
 * connected (see {@link ZooKeeperSession#retry}). {@link #abort} fails its caller once; {@link
 * #failed} says how.
 */
abstract class SessionAttempt implements ZooKeeperSession.Attempt {
  final ZooKeeperSession session;
  private final String what;
  private boolean aborted;

  SessionAttempt(ZooKeeperSession session, String what) {
    this.session = session;
    this.what = what;
  }

  /** What this request does, for messages: "store state variable 'registry'". */
  String what() {
    return what;
  }

  @Override
  public final void abort(RuntimeException cause) {
    if (aborted) {
      return;
    }
    aborted = true;
    failed(cause);
  }

  abstract void failed(RuntimeException cause);

  /** Issues a Curator background call; Curator throws only for a closed client or a bad path. */
  void issue(CuratorCall call) {
    try {
      call.run();
    } catch (Exception e) {
      abort(ZooKeeperSession.unexpected(what, e));
    }
  }

  /** A callback that fails the whole session for codes that say the servers will never take it. */
  BackgroundCallback callback(Consumer<CuratorEvent> handler) {
    return (client, event) -> {
      if (KeeperCodes.failsSession(event.getResultCode())) {
        session.failSession(KeeperCodes.authenticationRequired(session.settings().user()));
        return;
      }
      handler.accept(event);
    };
  }

  @FunctionalInterface
  interface CuratorCall {
    void run() throws Exception;
  }
}
