package org.masterha.etcd;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a member is named under its group's prefix: {@code <label>_<lease id, hex>_<n>}, or {@code
 * <lease id, hex>_<n>} without a label (the replicated log's replicas). The lease id shows an
 * operator which client holds the key; {@code n} tells apart the members one lease holds in one
 * group. The name carries no order: the member's sequence is the key's create revision.
 *
 * <p>Keys under the prefix with another shape (written by some other tool) are not members, as
 * Mesos ignores children whose suffix is not a sequence number. Labels follow the kit's one rule
 * ({@link org.masterha.ha.spi.MemberLabels}).
 */
final class MemberKey {
  private static final Pattern NAME = Pattern.compile("(?:(.+)_)?([0-9a-f]{1,16})_([0-9]{1,19})");

  private MemberKey() {}

  static String name(Optional<String> label, long leaseId, long n) {
    String suffix = Long.toHexString(leaseId) + "_" + n;
    return label.map(l -> l + "_" + suffix).orElse(suffix);
  }

  /** The label of a member name, or null when the name is not one of ours. */
  static Optional<Optional<String>> parseLabel(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(Optional.ofNullable(m.group(1)));
  }
}
