package org.masterha.ha.spi;

import java.util.OptionalLong;
import java.util.function.Consumer;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.observe.LossReason;
import org.masterha.ha.observe.SessionObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's side of a session's {@link SessionObserver}: backends and the shared roles report here,
 * and it hands each event on to the user's observer. It reports a connection state only when it
 * changes, keeps an observer's exception from reaching the backend's thread, and remembers enough
 * (the connection state, whether the liveness deadline passed since the last confirmed renewal) to
 * tell why a candidacy was lost, which the membership alone does not say.
 *
 * <p>A backend makes one per session, before it reports anything, and hands it out from {@code
 * HaSession.sessionEvents()}; the kit's roles made from that session report to the same one.
 */
public final class SessionEvents {
  private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

  /** Reports nothing and keeps no state: for sessions opened without an observer. */
  public static final SessionEvents NONE = new SessionEvents(SessionObserver.NONE);

  private final SessionObserver observer;
  private final boolean silent;

  /** null until the first state is reported. */
  private ConnectionState state;

  private boolean deadlinePassed;

  public SessionEvents(SessionObserver observer) {
    this.observer = observer;
    this.silent = observer == SessionObserver.NONE;
  }

  /** Reports {@code next} when it differs from the state reported last. */
  public void connectionState(ConnectionState next) {
    if (silent) {
      return;
    }
    synchronized (this) {
      if (next == state || state == ConnectionState.CLOSED) {
        return; // unchanged, or reported by a closing backend after its close
      }
      state = next;
      if (next == ConnectionState.CONNECTED) {
        deadlinePassed = false;
      }
    }
    tell(o -> o.connectionState(next));
  }

  /** The state reported last; {@code CONNECTING} before the first. */
  public synchronized ConnectionState state() {
    return state == null ? ConnectionState.CONNECTING : state;
  }

  /** A renewal sent at {@code sentAtNanos} was confirmed at {@code nowNanos}. */
  public void renewalConfirmed(long sentAtNanos, long nowNanos) {
    if (silent) {
      return;
    }
    synchronized (this) {
      deadlinePassed = false;
    }
    tell(o -> o.renewalConfirmed(Math.max(0, nowNanos - sentAtNanos)));
  }

  public void renewalFailed() {
    tell(SessionObserver::renewalFailed);
  }

  public void deadlinePassed() {
    if (silent) {
      return;
    }
    synchronized (this) {
      deadlinePassed = true;
    }
    tell(SessionObserver::deadlinePassed);
  }

  public void candidacyRegistered(String group, long epoch) {
    tell(o -> o.candidacyRegistered(group, epoch));
  }

  public void elected(String group, long epoch) {
    tell(o -> o.elected(group, epoch));
  }

  /**
   * A membership of ours ended; {@code byUs} is its {@code cancelled} value. The reason is read
   * from what the session reported before the backend completed the membership: backends report a
   * lost session and a passed deadline before they cancel the members.
   */
  public void candidacyLost(String group, long epoch, boolean byUs, boolean wasLeading) {
    if (silent) {
      return;
    }
    LossReason reason;
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        reason = LossReason.SESSION_CLOSED;
      } else if (byUs) {
        reason = LossReason.WITHDRAWN;
      } else if (deadlinePassed || state != ConnectionState.CONNECTED) {
        reason = LossReason.SESSION_LOST;
      } else {
        reason = LossReason.REMOVED;
      }
    }
    tell(o -> o.candidacyLost(group, epoch, reason, wasLeading));
  }

  public void leaderChanged(String group, OptionalLong epoch) {
    tell(o -> o.leaderChanged(group, epoch));
  }

  public void notified(String group, long latencyNanos) {
    tell(o -> o.notified(group, latencyNanos));
  }

  private void tell(Consumer<SessionObserver> event) {
    if (silent) {
      return;
    }
    try {
      event.accept(observer);
    } catch (RuntimeException e) {
      // An observer's bug must never reach the thread that keeps the session's deadline.
      log.warn("A session observer threw; the event is dropped", e);
    }
  }
}
