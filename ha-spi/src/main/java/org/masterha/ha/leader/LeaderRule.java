package org.masterha.ha.leader;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.masterinfo.MalformedMasterInfoException;
import org.masterha.masterinfo.MasterInfoCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who leads, as Mesos decides it: the member with the lowest sequence, whatever its label, among those whose
 * data is a MasterInfo. Garbage in a member (written by someone else) is skipped with one warning per member:
 * it never crashes a detector and never becomes the leader, and contenders and detectors agree because both
 * use this rule.
 */
final class LeaderRule {
  private static final Logger log = LoggerFactory.getLogger(LeaderRule.class);

  private LeaderRule() {}

  static CompletableFuture<Optional<Leader>> leader(Group group, Collection<Membership> members, Set<Membership> warned) {
    List<Membership> sorted = new ArrayList<>(members);
    sorted.sort(Membership.BY_SEQUENCE);
    return from(group, sorted, 0, warned);
  }

  private static CompletableFuture<Optional<Leader>> from(Group group, List<Membership> sorted, int i, Set<Membership> warned) {
    if (i == sorted.size()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Membership m = sorted.get(i);
    return group.data(m).thenCompose(data -> {
      if (data.isEmpty()) {
        // Gone since the listing; the next listing will say so.
        return from(group, sorted, i + 1, warned);
      }
      try {
        return CompletableFuture.completedFuture(Optional.of(new Leader(MasterInfoCodec.decode(m.label(), data.get()), m.sequence(), m)));
      } catch (MalformedMasterInfoException e) {
        if (warned.add(m)) {
          log.warn("Skipping member {} of {}: its data is not a MasterInfo ({}); it cannot lead", m.id(), group.path(), e.getMessage());
        }
        return from(group, sorted, i + 1, warned);
      }
    });
  }
}
