package org.masterha.consul;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Member key names: {@code <label>_<nonce>}, or just {@code <nonce>} for an unlabelled member (a
 * log replica), where the nonce is 128 random bits in hex. A fresh name per join means no key is
 * ever re-acquired, so lock-delay never stands in a new member's way and an old member's key can't
 * be mistaken for a new one.
 *
 * <p>Reading is lenient, as the leader rule is: any key held by a session directly under the
 * group's prefix is a member, its label being what comes before the last {@code _} (none if there
 * is none). Labels joined follow the kit's one rule ({@link org.masterha.ha.spi.MemberLabels}).
 */
final class MemberKeys {
  private static final HexFormat HEX = HexFormat.of();

  private final SecureRandom random = new SecureRandom();

  String newName(Optional<String> label) {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    return label.map(l -> l + "_").orElse("") + HEX.formatHex(nonce);
  }

  static Optional<String> labelOf(String name) {
    int underscore = name.lastIndexOf('_');
    return underscore > 0 ? Optional.of(name.substring(0, underscore)) : Optional.empty();
  }
}
