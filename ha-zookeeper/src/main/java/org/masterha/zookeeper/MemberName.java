package org.masterha.zookeeper;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.masterha.ha.group.Membership;

/**
 * Group member znode names as Mesos writes them: {@code <label>_<sequence>} ({@code
 * json.info_0000000003}) or a bare {@code <sequence>} for an unlabelled member ({@code
 * log_replicas/0000000003}), where the sequence is the ten digits ZooKeeper appends to a sequential
 * node. Labels joined follow the kit's one rule ({@link org.masterha.ha.spi.MemberLabels}).
 */
final class MemberName {
  /**
   * Greedy label, so a label may itself contain '_': only the last '_' separates it from the
   * sequence.
   */
  private static final Pattern NAME = Pattern.compile("(?:(.*)_)?(\\d{10})");

  private MemberName() {}

  /**
   * The prefix to create a sequential member under, relative to the group path: {@code label_} or
   * {@code ""} (ZooKeeper then names the node by its sequence alone, as Mesos' replicated log
   * does).
   */
  static String prefix(Optional<String> label) {
    return label.map(l -> l + "_").orElse("");
  }

  /**
   * The membership a child znode name stands for, or empty for children that are not members (no
   * ten-digit sequence suffix, e.g. the {@code log_replicas} znode under the masters' path).
   */
  static Optional<Membership> parse(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    String label = m.group(1);
    long sequence = Long.parseLong(m.group(2));
    // Mesos tokenizes on '_' and drops empty tokens, so "_0000000001" is an unlabelled member there
    // too.
    return Optional.of(
        new Membership(
            name,
            sequence,
            label == null || label.isEmpty() ? Optional.empty() : Optional.of(label)));
  }
}
