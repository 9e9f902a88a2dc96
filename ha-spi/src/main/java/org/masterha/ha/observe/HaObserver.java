package org.masterha.ha.observe;

import java.util.List;
import java.util.Objects;

/**
 * The observation hook a session is opened with ({@code HaConfig.Builder.observer}): each session
 * asks it once, when it opens, for the {@link SessionObserver} its events go to. The library
 * depends on no metrics library; module {@code ha-micrometer} binds this to a Micrometer {@code
 * MeterRegistry}. {@link #NONE} is the default and costs nothing.
 */
@FunctionalInterface
public interface HaObserver {
  /** Observes nothing. */
  HaObserver NONE = (backend, basePath) -> SessionObserver.NONE;

  /**
   * A session of {@code backend} (e.g. {@code zookeeper}) on {@code basePath} (e.g. {@code /mesos})
   * is opening: the observer of its events.
   */
  SessionObserver session(String backend, String basePath);

  /** An observer that tells every one of {@code observers}, in order. */
  static HaObserver all(HaObserver... observers) {
    List<HaObserver> list = List.of(observers);
    list.forEach(o -> Objects.requireNonNull(o, "observer"));
    return (backend, basePath) -> {
      List<SessionObserver> sessions =
          list.stream().map(o -> o.session(backend, basePath)).toList();
      return new FanOutObserver(sessions);
    };
  }
}
