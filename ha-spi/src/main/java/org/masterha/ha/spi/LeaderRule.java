package org.masterha.ha.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MalformedMasterInfoException;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who leads, as Mesos decides it: the member with the lowest sequence, whatever its label, among
 * those whose data is a MasterInfo. Garbage in a member (written by someone else) is skipped with
 * one warning per member: it never crashes a detector and never becomes the leader, and contenders
 * and detectors agree because both use this rule.
 */
final class LeaderRule {
  private static final Logger log = LoggerFactory.getLogger(LeaderRule.class);

  private LeaderRule() {}

  /**
   * The rule applied to one listing. {@code stale} means "no leader" cannot be trusted: a listed
   * member vanished before its data could be read, so the group has moved on since the listing and
   * a member that joined since (not in the listing) may lead. A leader found is always right:
   * anyone who joined since has a higher sequence.
   */
  record Outcome(Optional<Leader> leader, boolean stale) {}

  /** A member whose data is not a MasterInfo: it can never lead. */
  static final Object GARBAGE = new Object();

  static CompletableFuture<Outcome> leader(
      Group group, Collection<Membership> members, Set<Membership> warned) {
    return leader(group, members, warned, new java.util.HashMap<>());
  }

  /**
   * The rule with {@code verdicts}: what members' data was found to be, by member (a {@code
   * MasterInfo}, or {@link #GARBAGE}). Members found there are not read again: a member's data is
   * written once, when it joins. Members no longer listed are dropped from it.
   */
  static CompletableFuture<Outcome> leader(
      Group group,
      Collection<Membership> members,
      Set<Membership> warned,
      Map<Membership, Object> verdicts) {
    List<Membership> sorted = new ArrayList<>(members);
    sorted.sort(Membership.BY_SEQUENCE);
    verdicts.keySet().retainAll(members instanceof Set<?> ? members : Set.copyOf(members));
    return from(group, sorted, 0, warned, verdicts, false);
  }

  private static CompletableFuture<Outcome> from(
      Group group,
      List<Membership> sorted,
      int i,
      Set<Membership> warned,
      Map<Membership, Object> verdicts,
      boolean vanished) {
    // The members read before are settled without a request.
    while (i < sorted.size()) {
      Object known = verdicts.get(sorted.get(i));
      if (known == null) {
        break;
      }
      if (known instanceof MasterInfo info) {
        Membership m = sorted.get(i);
        return CompletableFuture.completedFuture(
            new Outcome(Optional.of(new Leader(info, m.sequence(), m)), false));
      }
      i++;
    }
    if (i == sorted.size()) {
      return CompletableFuture.completedFuture(new Outcome(Optional.empty(), vanished));
    }
    int at = i;
    Membership m = sorted.get(at);
    // Data the group already received with its listing or watch events costs no request.
    Optional<byte[]> known =
        group instanceof KnownData k ? k.knownData(m) : Optional.<byte[]>empty();
    return (known.isPresent() ? CompletableFuture.completedFuture(known) : group.data(m))
        .thenCompose(
            data -> {
              if (data.isEmpty()) {
                // Gone since the listing; the next listing will say so.
                return from(group, sorted, at + 1, warned, verdicts, true);
              }
              try {
                MasterInfo info = MasterInfoCodec.decode(m.label(), data.get());
                verdicts.put(m, info);
                Leader leader = new Leader(info, m.sequence(), m);
                return CompletableFuture.completedFuture(new Outcome(Optional.of(leader), false));
              } catch (MalformedMasterInfoException e) {
                verdicts.put(m, GARBAGE);
                if (warned.add(m)) {
                  log.warn(
                      "Skipping member {} of {}: its data is not a MasterInfo ({}); it cannot lead",
                      m.id(),
                      group.path(),
                      e.getMessage());
                }
                return from(group, sorted, at + 1, warned, verdicts, vanished);
              }
            });
  }
}
