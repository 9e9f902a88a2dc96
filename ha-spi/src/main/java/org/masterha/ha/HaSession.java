package org.masterha.ha;

import java.util.Optional;
import org.masterha.ha.group.Group;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.pid.PidGroup;
import org.masterha.ha.spi.CallbackExecutor;
import org.masterha.ha.spi.GroupContender;
import org.masterha.ha.spi.GroupDetector;
import org.masterha.ha.spi.GroupPidGroup;
import org.masterha.ha.spi.SessionEvents;
import org.masterha.ha.spi.SharedDetection;
import org.masterha.ha.state.State;
import org.masterha.proto.MasterInfo;

/**
 * One client's connection to the store and its liveness handle (a ZooKeeper session, an etcd lease,
 * a Consul session). Groups, contenders and detectors made from it share that handle: when it
 * expires, every membership made through it is lost together.
 *
 * <p>{@link #close()} is the clean exit: the session's members are deleted at once (session closed,
 * lease revoked, Consul session destroyed), so a withdrawn leader is replaced in milliseconds, not
 * after a timeout.
 */
public interface HaSession extends AutoCloseable {
  /** The path of the replicated log's replica group under the base path, as in Mesos. */
  String LOG_REPLICAS = "log_replicas";

  /** The backend's name, e.g. {@code zookeeper}. */
  String backend();

  HaConfig config();

  /**
   * The group at {@code relativePath} under the base path; {@code ""} is the base path itself,
   * where masters register.
   */
  Group group(String relativePath);

  /**
   * The current liveness handle's id (ZooKeeper session id, etcd lease id, Consul session id), for
   * logs and fault injection; empty before the first one was granted. Never secret.
   */
  String sessionId();

  /**
   * Where this session and the roles made from it report to {@link HaConfig#observer()}; a backend
   * makes it when the session opens. {@link SessionEvents#NONE} for a backend that reports nothing.
   */
  default SessionEvents sessionEvents() {
    return SessionEvents.NONE;
  }

  /**
   * A contender that registers {@code info} as a master candidate in the base group. Its {@code
   * elected()} follows the base group's shared detection ({@link SharedDetection#of}).
   */
  default Contender contender(MasterInfo info) {
    return new GroupContender(
        info,
        SharedDetection.of(group(""), config().sessionTimeout()).observedBy(sessionEvents()),
        CallbackExecutor.direct(),
        sessionEvents());
  }

  /**
   * A detector of the leading master in the base group; every detector and candidacy of the session
   * shares one detection of it ({@link SharedDetection#of}).
   */
  default Detector detector() {
    return new GroupDetector(
        SharedDetection.of(group(""), config().sessionTimeout()).observedBy(sessionEvents()),
        CallbackExecutor.direct());
  }

  /** The replicated log's replica group ({@code <base>/log_replicas}). */
  default PidGroup pidGroup() {
    return new GroupPidGroup(group(LOG_REPLICAS));
  }

  /**
   * The master's replicated state under {@code <base>/state}; writes are not fenced (tools, tests).
   */
  default State state() {
    return state(Optional.empty());
  }

  /**
   * The replicated state with every write fenced by {@code candidacy}: refused unless it still
   * leads.
   */
  default State state(Candidacy candidacy) {
    return state(Optional.of(candidacy));
  }

  /** The state store; backends that keep one override this. */
  default State state(Optional<Candidacy> fence) {
    throw new UnsupportedOperationException("the " + backend() + " backend has no state store");
  }

  /**
   * This session as the backend's own class, for tests and fault injection: a session from {@link
   * HaBackends#open} is the kit's wrapper around the backend's session.
   */
  default <T extends HaSession> T unwrap(Class<T> type) {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new IllegalArgumentException(getClass().getName() + " is not a " + type.getName());
  }

  /** Deletes this session's members at once and releases every resource; idempotent. */
  @Override
  void close();
}
