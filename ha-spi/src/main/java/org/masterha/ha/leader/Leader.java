package org.masterha.ha.leader;

import java.util.Objects;
import org.masterha.ha.group.Membership;
import org.masterha.proto.MasterInfo;

/**
 * The leading master: what it published and its epoch, the sequence of its membership. Epochs only
 * increase, so anyone downstream can refuse a master whose epoch is below one it has already seen.
 */
public record Leader(MasterInfo info, long epoch, Membership membership) {
  public Leader {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(membership, "membership");
  }

  @Override
  public String toString() {
    return "Leader[" + info.getPid() + " id=" + info.getId() + ", epoch=" + epoch + "]";
  }
}
