package org.masterha.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.masterha.ha.observe.LossReason;

/**
 * The candidacy and detector meters of one group of a session (for a master, the base path). Made
 * on the group's first event; its meters are the session's to remove.
 */
final class GroupMeters {
  static final String LEADING = "masterha.candidacy.leading";
  static final String EPOCH = "masterha.candidacy.epoch";
  static final String ELECTIONS_WON = "masterha.candidacy.elections.won";
  static final String LOST = "masterha.candidacy.lost";
  static final String LEADER_EPOCH = "masterha.detector.leader.epoch";
  static final String LEADER_CHANGES = "masterha.detector.leader.changes";
  static final String NO_LEADER = "masterha.detector.no.leader";
  static final String NOTIFY_LATENCY = "masterha.detector.notify.latency";

  private static final long NONE = -1;

  private final Counter electionsWon;
  private final Map<LossReason, Counter> lost = new EnumMap<>(LossReason.class);
  private final Counter leaderChanges;
  private final Timer notifyLatency;

  /** Epoch of the live candidacy, of the one that leads, of the detected leader; NONE: none. */
  private volatile long candidacyEpoch = NONE;

  private volatile long leadingEpoch = NONE;
  private volatile long leaderEpoch = NONE;

  /** {@link System#nanoTime()} since when no leader is detected; 0 while there is one. */
  private volatile long noLeaderSince;

  GroupMeters(MeterRegistry registry, Tags tags, List<Meter> meters) {
    meters.add(
        Gauge.builder(LEADING, this, g -> g.leadingEpoch == NONE ? 0 : 1)
            .tags(tags)
            .description("1 while a candidacy of this session leads the group, else 0")
            .register(registry));
    meters.add(
        Gauge.builder(EPOCH, this, g -> orNaN(g.candidacyEpoch))
            .tags(tags)
            .description("the epoch of this session's live candidacy; NaN when it has none")
            .register(registry));
    electionsWon =
        Counter.builder(ELECTIONS_WON)
            .tags(tags)
            .description("candidacies of this session that were elected")
            .register(registry);
    meters.add(electionsWon);
    for (LossReason r : LossReason.values()) {
      Counter c =
          Counter.builder(LOST)
              .tags(tags.and("reason", r.tag()))
              .description("candidacies of this session that ended, by reason")
              .register(registry);
      lost.put(r, c);
      meters.add(c);
    }
    meters.add(
        Gauge.builder(LEADER_EPOCH, this, g -> orNaN(g.leaderEpoch))
            .tags(tags)
            .description("the epoch of the leader detected now; NaN when there is none")
            .register(registry));
    leaderChanges =
        Counter.builder(LEADER_CHANGES)
            .tags(tags)
            .description("changes of the detected leader, 'no leader' included")
            .register(registry);
    meters.add(leaderChanges);
    meters.add(
        Gauge.builder(NO_LEADER, this, GroupMeters::noLeaderSeconds)
            .tags(tags)
            .baseUnit("seconds")
            .description("how long no leader has been detected; 0 while there is one")
            .register(registry));
    notifyLatency =
        Timer.builder(NOTIFY_LATENCY)
            .tags(tags)
            .description(
                "from the store reporting a change of the member set to the new leader's answer")
            .register(registry);
    meters.add(notifyLatency);
  }

  private static double orNaN(long epoch) {
    return epoch == NONE ? Double.NaN : epoch;
  }

  private double noLeaderSeconds() {
    long since = noLeaderSince;
    return since == 0 ? 0 : (System.nanoTime() - since) / 1e9;
  }

  void registered(long epoch) {
    candidacyEpoch = epoch;
  }

  void elected(long epoch) {
    leadingEpoch = epoch;
    electionsWon.increment();
  }

  void lost(long epoch, LossReason reason) {
    synchronized (this) {
      if (leadingEpoch == epoch) {
        leadingEpoch = NONE;
      }
      if (candidacyEpoch == epoch) {
        candidacyEpoch = NONE;
      }
    }
    lost.get(reason).increment();
  }

  void leaderChanged(OptionalLong epoch) {
    leaderChanges.increment();
    if (epoch.isPresent()) {
      leaderEpoch = epoch.getAsLong();
      noLeaderSince = 0;
    } else {
      leaderEpoch = NONE;
      // nanoTime may be 0 in principle; 1 ns off is fine for a gauge of seconds.
      long now = System.nanoTime();
      noLeaderSince = now == 0 ? 1 : now;
    }
  }

  void notified(long latencyNanos) {
    notifyLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
  }
}
