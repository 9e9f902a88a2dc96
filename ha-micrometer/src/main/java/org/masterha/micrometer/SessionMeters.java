package org.masterha.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.masterha.ha.observe.ConnectionState;
import org.masterha.ha.observe.LossReason;
import org.masterha.ha.observe.SessionObserver;

/**
 * One session's meters, and its groups' ({@link GroupMeters}), registered when the session opens
 * and removed when it closes. Every event only sets a field or bumps a meter: it runs on the
 * backend's thread.
 */
final class SessionMeters implements SessionObserver {
  static final String STATE = "masterha.session.state";
  static final String RENEWAL_AGE = "masterha.session.renewal.age";
  static final String RENEWAL_LATENCY = "masterha.session.renewal.latency";
  static final String RENEWALS_FAILED = "masterha.session.renewals.failed";
  static final String DEADLINES_PASSED = "masterha.session.deadlines.passed";

  private final MeterRegistry registry;
  private final Tags tags;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final Map<String, GroupMeters> groups = new ConcurrentHashMap<>();
  private final Timer renewalLatency;
  private final Counter renewalsFailed;
  private final Counter deadlinesPassed;
  private volatile ConnectionState state = ConnectionState.CONNECTING;

  /** {@link System#nanoTime()} of the last confirmed renewal's answer; 0 before the first. */
  private volatile long lastRenewalNanos;

  private volatile boolean closed;

  SessionMeters(MeterRegistry registry, Tags tags, String basePath) {
    this.registry = registry;
    this.tags = tags;
    for (ConnectionState s : ConnectionState.values()) {
      meters.add(
          Gauge.builder(STATE, this, m -> m.state == s ? 1 : 0)
              .tags(tags.and("state", s.tag()))
              .description("1 for the session's current state (tag state), else 0")
              .register(registry));
    }
    meters.add(
        Gauge.builder(RENEWAL_AGE, this, SessionMeters::renewalAgeSeconds)
            .tags(tags)
            .baseUnit("seconds")
            .description(
                "time since the last renewal the store confirmed; NaN before the first (a"
                    + " ZooKeeper session renews only while it holds members)")
            .register(registry));
    renewalLatency =
        add(
            Timer.builder(RENEWAL_LATENCY)
                .tags(tags)
                .description("from sending a renewal to the store's confirmation")
                .register(registry));
    renewalsFailed =
        add(
            Counter.builder(RENEWALS_FAILED)
                .tags(tags)
                .description("renewals that failed or went unanswered")
                .register(registry));
    deadlinesPassed =
        add(
            Counter.builder(DEADLINES_PASSED)
                .tags(tags)
                .description(
                    "times no renewal was confirmed for a whole session timeout, so the session's"
                        + " members counted as lost")
                .register(registry));
    // The base group's meters now, on the thread opening the session: made on their first event
    // they would be registered (and their classes loaded) on the backend's event thread, which
    // also keeps the session's deadline.
    group(basePath);
  }

  private <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }

  private double renewalAgeSeconds() {
    long last = lastRenewalNanos;
    return last == 0 ? Double.NaN : (System.nanoTime() - last) / 1e9;
  }

  private GroupMeters group(String path) {
    return groups.computeIfAbsent(
        path, p -> new GroupMeters(registry, tags.and(Tag.of("group", p)), meters));
  }

  @Override
  public void connectionState(ConnectionState next) {
    state = next;
    if (next == ConnectionState.CLOSED && !closed) {
      closed = true;
      // A closed session reports nothing more: its meters leave the registry rather than freeze.
      meters.forEach(registry::remove);
      meters.clear();
    }
  }

  @Override
  public void renewalConfirmed(long latencyNanos) {
    lastRenewalNanos = System.nanoTime();
    renewalLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void renewalFailed() {
    renewalsFailed.increment();
  }

  @Override
  public void deadlinePassed() {
    deadlinesPassed.increment();
  }

  @Override
  public void candidacyRegistered(String group, long epoch) {
    if (!closed) {
      group(group).registered(epoch);
    }
  }

  @Override
  public void elected(String group, long epoch) {
    if (!closed) {
      group(group).elected(epoch);
    }
  }

  @Override
  public void candidacyLost(String group, long epoch, LossReason reason, boolean wasLeading) {
    if (!closed) {
      group(group).lost(epoch, reason);
    }
  }

  @Override
  public void leaderChanged(String group, OptionalLong epoch) {
    if (!closed) {
      group(group).leaderChanged(epoch);
    }
  }

  @Override
  public void notified(String group, long latencyNanos) {
    if (!closed) {
      group(group).notified(latencyNanos);
    }
  }
}
