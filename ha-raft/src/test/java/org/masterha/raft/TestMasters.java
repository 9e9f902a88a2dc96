package org.masterha.raft;

import org.masterha.proto.MasterInfo;

/** The MasterInfo a test contender publishes, distinguished by {@code name} and {@code port}. */
final class TestMasters {
  private TestMasters() {}

  static MasterInfo master(String name, int port) {
    return MasterInfo.newBuilder()
        .setId(name + "-" + port)
        .setIp(16777343) // 127.0.0.1 as Mesos stores it
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .setHostname("localhost")
        .build();
  }
}
