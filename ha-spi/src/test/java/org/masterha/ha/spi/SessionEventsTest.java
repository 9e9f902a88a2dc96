package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.observe.HaObserver;
import org.masterha.ha.observe.LossReason;
import org.masterha.ha.observe.SessionObserver;

/** The kit's side of the observation hook: what it passes on, and why it says a loss happened. */
class SessionEventsTest {
  private final List<String> seen = new ArrayList<>();

  private final SessionObserver recorder =
      new SessionObserver() {
        @Override
        public void connectionState(ConnectionState state) {
          seen.add(state.tag());
        }

        @Override
        public void candidacyLost(String group, long epoch, LossReason reason, boolean wasLeading) {
          seen.add(group + " " + epoch + " " + reason.tag() + " " + wasLeading);
        }
      };

  @Test
  void connectionStatesArePassedOnOnlyWhenTheyChangeAndNothingAfterClosed() {
    SessionEvents events = new SessionEvents(recorder);
    events.connectionState(ConnectionState.CONNECTING);
    events.connectionState(ConnectionState.CONNECTED);
    events.connectionState(ConnectionState.CONNECTED);
    events.connectionState(ConnectionState.SUSPENDED);
    events.connectionState(ConnectionState.CLOSED);
    events.connectionState(ConnectionState.LOST);
    assertThat(seen).containsExactly("connecting", "connected", "suspended", "closed");
  }

  @Test
  void aLossIsPutDownToWhatTheSessionReportedBeforeIt() {
    SessionEvents events = new SessionEvents(recorder);
    events.connectionState(ConnectionState.CONNECTED);
    events.candidacyLost("/m", 1, true, true);
    events.candidacyLost("/m", 2, false, false);
    events.deadlinePassed();
    events.candidacyLost("/m", 3, false, true);
    events.renewalConfirmed(0, 1);
    events.connectionState(ConnectionState.LOST);
    events.candidacyLost("/m", 4, false, true);
    events.connectionState(ConnectionState.CLOSED);
    events.candidacyLost("/m", 5, true, false);
    assertThat(seen)
        .containsExactly(
            "connected",
            "/m 1 withdrawn true",
            "/m 2 removed false",
            "/m 3 session_lost true",
            "lost",
            "/m 4 session_lost true",
            "closed",
            "/m 5 session_closed false");
  }

  @Test
  void aThrowingObserverNeverReachesTheBackendAndAllTellsEveryObserver() {
    SessionObserver throwing =
        new SessionObserver() {
          @Override
          public void connectionState(ConnectionState state) {
            throw new IllegalStateException("observer bug");
          }
        };
    SessionEvents bad = new SessionEvents(throwing);
    bad.connectionState(ConnectionState.CONNECTED); // logged and dropped, not thrown
    assertThat(bad.state()).isEqualTo(ConnectionState.CONNECTED);

    SessionObserver twice =
        HaObserver.all((b, p) -> recorder, (b, p) -> recorder).session("test", "/m");
    new SessionEvents(twice).connectionState(ConnectionState.SUSPENDED);
    assertThat(seen).containsExactly("suspended", "suspended");
  }
}
