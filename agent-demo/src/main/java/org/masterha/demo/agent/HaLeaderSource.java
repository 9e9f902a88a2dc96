package org.masterha.demo.agent;

import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.leader.LeaderListener;

/** Detects the leader through the SPI, as a Mesos agent does with its master detector. */
final class HaLeaderSource implements LeaderSource {
  private final HaBackends backends;
  private final HaConfig config;
  private HaSession session;
  private Detector detector;
  private volatile Detector.Following following;
  private volatile boolean closed;

  HaLeaderSource(HaBackends backends, HaConfig config) {
    this.backends = backends;
    this.config = config;
  }

  @Override
  public void start(Consumer<Optional<Sighting>> onChange, Consumer<Throwable> onFatal) {
    session = backends.open(config);
    detector = session.detector();
    following =
        detector.follow(
            new LeaderListener() {
              @Override
              public void leaderChanged(Optional<Leader> leader) {
                if (!closed) {
                  onChange.accept(
                      leader.map(l -> new Sighting(l.info(), l.epoch(), session.backend())));
                }
              }

              @Override
              public void detectionFailed(Throwable cause) {
                Throwable c =
                    cause instanceof CompletionException && cause.getCause() != null
                        ? cause.getCause()
                        : cause;
                if (!closed && !(c instanceof CancellationException)) {
                  onFatal.accept(c);
                }
              }
            });
  }

  @Override
  public String describe() {
    return config.url() + " (" + config.backend().orElse(config.url().scheme()) + ")";
  }

  @Override
  public void close() {
    closed = true;
    if (following != null) {
      following.close();
    }
    if (detector != null) {
      detector.close();
    }
    if (session != null) {
      session.close();
    }
  }
}
