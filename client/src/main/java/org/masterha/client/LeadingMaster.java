package org.masterha.client;

import java.util.Objects;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.proto.MasterInfo;

/**
 * The leading master as the masters report it: its Mesos {@link MasterInfo} and the epoch it leads
 * in. The epoch is the leader's sequence number in the coordination store; it only increases from
 * one leader to the next, so a report with a lower epoch than one already seen comes from a stale
 * master.
 */
public record LeadingMaster(MasterInfo info, long epoch) {
  public LeadingMaster {
    Objects.requireNonNull(info, "info");
  }

  /**
   * {@code host:port} of the leader's gRPC API: the address field, else ip and port, else the host
   * part of the pid.
   */
  public String endpoint() {
    return MasterInfos.endpoint(info);
  }

  /** The leader's pid when it has one, else {@code master@host:port}: for logs. */
  public String describe() {
    return info.hasPid() && !info.getPid().isEmpty() ? info.getPid() : "master@" + endpoint();
  }

  @Override
  public String toString() {
    return describe() + "#" + epoch;
  }
}
