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

/** Detects the leader through the SPI, as a Mesos agent does with its master detector. */
final class HaLeaderSource implements LeaderSource {
  private final HaBackends backends;
  private final HaConfig config;
  private HaSession session;
  private Detector detector;
  private volatile boolean closed;

  HaLeaderSource(HaBackends backends, HaConfig config) {
    this.backends = backends;
    this.config = config;
  }

  @Override
  public void start(Consumer<Optional<Sighting>> onChange, Consumer<Throwable> onFatal) {
    session = backends.open(config);
    detector = session.detector();
    follow(Optional.empty(), onChange, onFatal);
  }

  private void follow(Optional<Leader> previous, Consumer<Optional<Sighting>> onChange, Consumer<Throwable> onFatal) {
    detector.detect(previous).whenComplete((leader, e) -> {
      if (closed) {
        return;
      }
      if (e != null) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (!(cause instanceof CancellationException)) {
          onFatal.accept(cause);
        }
        return;
      }
      onChange.accept(leader.map(l -> new Sighting(l.info(), l.epoch(), session.backend())));
      follow(leader, onChange, onFatal);
    });
  }

  @Override
  public String describe() {
    return config.url() + " (" + config.backend().orElse(config.url().scheme()) + ")";
  }

  @Override
  public void close() {
    closed = true;
    if (detector != null) {
      detector.close();
    }
    if (session != null) {
      session.close();
    }
  }
}
