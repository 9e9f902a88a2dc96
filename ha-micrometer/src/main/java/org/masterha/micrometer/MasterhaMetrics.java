package org.masterha.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import org.masterha.ha.observe.HaObserver;
import org.masterha.ha.observe.SessionObserver;

/**
 * Metrics for masterha sessions in a Micrometer {@link MeterRegistry}: give it to the session's
 * config and every session opened with that config registers its meters.
 *
 * <pre>{@code
 * MeterRegistry registry = ...;
 * HaConfig config = HaConfig.builder()
 *     .url("zk://127.0.0.1:2181/mesos")
 *     .observer(MasterhaMetrics.of(registry))
 *     .build();
 * }</pre>
 *
 * <p>Every meter carries the tags {@code backend} (e.g. {@code zookeeper}) and {@code group} (the
 * session's base path, or the group a candidacy or detection is in, e.g. {@code /mesos}), plus the
 * common tags given to {@link Builder#tags}. The meters (docs/operations.md lists them with their
 * Prometheus names):
 *
 * <ul>
 *   <li>{@value SessionMeters#STATE}: gauge, 1 for the session's current state, tag {@code state};
 *   <li>{@value SessionMeters#RENEWAL_AGE}: gauge, seconds since the last renewal the store
 *       confirmed (NaN before the first);
 *   <li>{@value SessionMeters#RENEWAL_LATENCY}: timer of confirmed renewals;
 *   <li>{@value SessionMeters#RENEWALS_FAILED}: counter;
 *   <li>{@value SessionMeters#DEADLINES_PASSED}: counter;
 *   <li>{@value GroupMeters#LEADING}: gauge, 1 while a candidacy of this session leads;
 *   <li>{@value GroupMeters#EPOCH}: gauge, the epoch of the session's live candidacy;
 *   <li>{@value GroupMeters#ELECTIONS_WON}: counter;
 *   <li>{@value GroupMeters#LOST}: counter, tag {@code reason};
 *   <li>{@value GroupMeters#LEADER_EPOCH}: gauge, the detected leader's epoch (NaN: no leader);
 *   <li>{@value GroupMeters#LEADER_CHANGES}: counter;
 *   <li>{@value GroupMeters#NO_LEADER}: gauge, seconds without a leader so far (0 while there is
 *       one);
 *   <li>{@value GroupMeters#NOTIFY_LATENCY}: timer, from the store's watch to the detectors'
 *       answer.
 * </ul>
 *
 * <p>Meters are identified by name and tags: two live sessions of one backend on one base path in
 * the same registry share them, so give such sessions a distinguishing tag ({@link Builder#tags}).
 * A session's meters are removed from the registry when it is closed. Holds no static state.
 */
public final class MasterhaMetrics implements HaObserver {
  private final MeterRegistry registry;
  private final Tags tags;

  private MasterhaMetrics(Builder b) {
    this.registry = b.registry;
    this.tags = b.tags;
  }

  /** Metrics in {@code registry} with no common tags. */
  public static MasterhaMetrics of(MeterRegistry registry) {
    return builder(registry).build();
  }

  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  @Override
  public SessionObserver session(String backend, String basePath) {
    return new SessionMeters(
        registry, tags.and(Tag.of("backend", backend), Tag.of("group", basePath)), basePath);
  }

  /** Options for {@link MasterhaMetrics}; immutable once built. */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Common tags added to every meter, e.g. {@code Tags.of("member", "m1")}; {@code backend} and
     * {@code group} are taken.
     */
    public Builder tags(Iterable<Tag> tags) {
      Tags given = Tags.of(tags);
      given.forEach(
          t -> {
            if (t.getKey().equals("backend") || t.getKey().equals("group")) {
              throw new IllegalArgumentException(
                  "tag '"
                      + t.getKey()
                      + "' is set by masterha itself; accepted: any other tag name");
            }
          });
      this.tags = given;
      return this;
    }

    public MasterhaMetrics build() {
      return new MasterhaMetrics(this);
    }
  }
}
