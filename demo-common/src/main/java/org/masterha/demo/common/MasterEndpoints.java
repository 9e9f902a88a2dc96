package org.masterha.demo.common;

import org.masterha.masterinfo.MasterInfos;
import org.masterha.proto.MasterInfo;

/** Where to call a master whose MasterInfo was detected, and how to name it in logs. */
public final class MasterEndpoints {
  private MasterEndpoints() {}

  /**
   * {@code host:port} of the master's gRPC API: the address field, else ip and port, else the pid.
   */
  public static String endpoint(MasterInfo info) {
    return MasterInfos.endpoint(info);
  }

  /** The short form used in logs and events: the pid when there is one. */
  public static String describe(MasterInfo info) {
    return info.hasPid() && !info.getPid().isEmpty() ? info.getPid() : "master@" + endpoint(info);
  }
}
