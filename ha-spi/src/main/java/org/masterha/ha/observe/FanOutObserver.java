package org.masterha.ha.observe;

import java.util.List;

/** Tells each of a session's observers in turn. */
final class FanOutObserver implements SessionObserver {
  private final List<SessionObserver> observers;

  FanOutObserver(List<SessionObserver> observers) {
    this.observers = observers;
  }

  @Override
  public void connectionState(ConnectionState state) {
    observers.forEach(o -> o.connectionState(state));
  }

  @Override
  public void renewalConfirmed(long latencyNanos) {
    observers.forEach(o -> o.renewalConfirmed(latencyNanos));
  }

  @Override
  public void renewalFailed() {
    observers.forEach(SessionObserver::renewalFailed);
  }

  @Override
  public void deadlinePassed() {
    observers.forEach(SessionObserver::deadlinePassed);
  }

  @Override
  public void candidacyRegistered(String group, long epoch) {
    observers.forEach(o -> o.candidacyRegistered(group, epoch));
  }

  @Override
  public void elected(String group, long epoch) {
    observers.forEach(o -> o.elected(group, epoch));
  }

  @Override
  public void candidacyLost(String group, long epoch, LossReason reason, boolean wasLeading) {
    observers.forEach(o -> o.candidacyLost(group, epoch, reason, wasLeading));
  }

  @Override
  public void leaderChanged(String group, java.util.OptionalLong epoch) {
    observers.forEach(o -> o.leaderChanged(group, epoch));
  }

  @Override
  public void notified(String group, long latencyNanos) {
    observers.forEach(o -> o.notified(group, latencyNanos));
  }
}
