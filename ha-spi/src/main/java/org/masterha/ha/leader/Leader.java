package org.masterha.ha.leader;

import java.util.Objects;
import org.masterha.ha.group.Membership;
import org.masterha.proto.MasterInfo;

/**
 * The leading master: what it published and its epoch, the sequence of its membership. Epochs only
 * increase, so anyone downstream can refuse a master whose epoch is below one it has already seen.
 *
 * <p>{@code line} is the detector's epoch line (see {@link EpochGuard}): 0 unless this detector
 * found that the store went back in time (wiped, re-created, restored from a backup), after which
 * epochs start again lower and compare only within the new line. It counts what this detector saw,
 * so two detectors started at different times may number the same line differently.
 */
public record Leader(MasterInfo info, long epoch, Membership membership, long line) {
  public Leader {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(membership, "membership");
    if (line < 0) {
      throw new IllegalArgumentException("an epoch line is never negative, got " + line);
    }
  }

  /** A leader on the first epoch line. */
  public Leader(MasterInfo info, long epoch, Membership membership) {
    this(info, epoch, membership, 0);
  }

  /** The same leader on epoch line {@code line}. */
  public Leader onLine(long line) {
    return line == this.line ? this : new Leader(info, epoch, membership, line);
  }

  @Override
  public String toString() {
    return "Leader["
        + info.getPid()
        + " id="
        + info.getId()
        + ", epoch="
        + epoch
        + (line > 0 ? ", line=" + line : "")
        + "]";
  }
}
