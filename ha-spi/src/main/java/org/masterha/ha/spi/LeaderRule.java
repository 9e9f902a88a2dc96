package org.masterha.ha.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MalformedMasterInfoException;
import org.masterha.masterinfo.MasterInfoCodec;
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

  static CompletableFuture<Outcome> leader(
      Group group, Collection<Membership> members, Set<Membership> warned) {
    List<Membership> sorted = new ArrayList<>(members);
    sorted.sort(Membership.BY_SEQUENCE);
    return from(group, sorted, 0, warned, false);
  }

  private static CompletableFuture<Outcome> from(
      Group group, List<Membership> sorted, int i, Set<Membership> warned, boolean vanished) {
    if (i == sorted.size()) {
      return CompletableFuture.completedFuture(new Outcome(Optional.empty(), vanished));
    }
    Membership m = sorted.get(i);
    return group
        .data(m)
        .thenCompose(
            data -> {
              if (data.isEmpty()) {
                // Gone since the listing; the next listing will say so.
                return from(group, sorted, i + 1, warned, true);
              }
              try {
                Leader leader =
                    new Leader(MasterInfoCodec.decode(m.label(), data.get()), m.sequence(), m);
                return CompletableFuture.completedFuture(new Outcome(Optional.of(leader), false));
              } catch (MalformedMasterInfoException e) {
                if (warned.add(m)) {
                  log.warn(
                      "Skipping member {} of {}: its data is not a MasterInfo ({}); it cannot lead",
                      m.id(),
                      group.path(),
                      e.getMessage());
                }
                return from(group, sorted, i + 1, warned, vanished);
              }
            });
  }
}
