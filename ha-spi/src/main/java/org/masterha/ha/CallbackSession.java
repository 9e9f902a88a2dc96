package org.masterha.ha;

import java.util.Optional;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.pid.PidGroup;
import org.masterha.ha.spi.CallbackExecutor;
import org.masterha.ha.spi.CallbackGroup;
import org.masterha.ha.spi.CallbackState;
import org.masterha.ha.spi.GroupContender;
import org.masterha.ha.spi.GroupDetector;
import org.masterha.ha.spi.GroupPidGroup;
import org.masterha.ha.spi.SessionEvents;
import org.masterha.ha.spi.SharedDetection;
import org.masterha.ha.state.State;
import org.masterha.proto.MasterInfo;

/**
 * The session {@link HaBackends#open} hands out: the backend's session at the API boundary.
 * Backends complete futures on their event and I/O threads, which also run the liveness deadline
 * (ZooKeeper, etcd) and the store's answers; here every future and listener is handed on to the
 * caller's executor, so a caller that blocks in a callback holds up neither its session's {@code
 * lost()} nor any other session. The roles work on the backend's group underneath and share one
 * {@link SharedDetection} of the base group: one read of the leader's data per change for all of
 * this session's detectors and candidacies.
 */
final class CallbackSession implements HaSession {
  private final HaSession session;
  private final CallbackExecutor callbacks;
  private final Object lock = new Object();
  private SharedDetection detection;

  CallbackSession(HaSession session) {
    this.session = session;
    this.callbacks =
        CallbackExecutor.of(
            session
                .config()
                .callbackExecutor()
                .orElseGet(
                    () ->
                        CallbackExecutor.newDefaultExecutor(
                            "masterha-callbacks-" + session.backend())));
  }

  @Override
  public String backend() {
    return session.backend();
  }

  @Override
  public HaConfig config() {
    return session.config();
  }

  @Override
  public Group group(String relativePath) {
    return new CallbackGroup(session.group(relativePath), callbacks);
  }

  @Override
  public String sessionId() {
    return session.sessionId();
  }

  @Override
  public SessionEvents sessionEvents() {
    return session.sessionEvents();
  }

  @Override
  public Contender contender(MasterInfo info) {
    return new GroupContender(info, detection(), callbacks, session.sessionEvents());
  }

  @Override
  public Detector detector() {
    return new GroupDetector(detection(), callbacks);
  }

  @Override
  public PidGroup pidGroup() {
    return new GroupPidGroup(session.group(LOG_REPLICAS), callbacks);
  }

  @Override
  public State state(Optional<Candidacy> fence) {
    return new CallbackState(session.state(fence), callbacks);
  }

  @Override
  public <T extends HaSession> T unwrap(Class<T> type) {
    return type.isInstance(this) ? type.cast(this) : session.unwrap(type);
  }

  @Override
  public void close() {
    // The callback threads are not stopped: actions on futures completed by the close itself
    // (cancelled(true),
    // failed watches) still run, and the threads end on their own once idle.
    session.close();
  }

  @Override
  public String toString() {
    return session.toString();
  }

  /**
   * The base group's detection: one for this session, and the same one the roles of the backend's
   * own session use when the backend hands out one group instance per path.
   */
  private SharedDetection detection() {
    synchronized (lock) {
      if (detection == null) {
        detection =
            SharedDetection.of(session.group(""), session.config().sessionTimeout())
                .observedBy(session.sessionEvents());
      }
      return detection;
    }
  }
}
