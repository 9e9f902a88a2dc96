package org.masterha.ha.spi;

import java.util.Optional;
import org.masterha.ha.group.Membership;

/**
 * For a backend's group whose listings or watch events carry the members' data (an etcd watch
 * event, a Consul blocking query): the data it already holds, so that leader detection ({@link
 * SharedDetection}) reads no member it was told about. A group that only learns names (ZooKeeper's
 * child watch) need not implement it; detection then reads the leader's data with {@code data(m)},
 * once per member.
 *
 * <p>The answer may lag the store as the group's view does (a member deleted since may still be
 * answered), which is all detection needs: the next change of the view corrects it. It is never a
 * request to the store and never blocks.
 */
public interface KnownData {
  /**
   * The data of {@code member} (same id and sequence) as the group last received it, if it holds
   * it.
   */
  Optional<byte[]> knownData(Membership member);
}
