package org.masterha.demo.common;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import org.masterha.proto.Address;
import org.masterha.proto.MasterInfo;

/** Building a master's MasterInfo as Mesos does, and finding the endpoint to call from one. */
public final class MasterInfos {
  private MasterInfos() {}

  /** A fresh MasterInfo: a random id, Mesos' little-endian s_addr encoding of the IPv4 address, pid master@ip:port. */
  public static MasterInfo of(Inet4Address ip, int port, String hostname, String version) {
    String dotted = ip.getHostAddress();
    return MasterInfo.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setIp(encodeIp(ip))
        .setPort(port)
        .setPid("master@" + dotted + ":" + port)
        .setHostname(hostname)
        .setVersion(version)
        .setAddress(Address.newBuilder().setHostname(hostname).setIp(dotted).setPort(port))
        .build();
  }

  /** The raw s_addr (network byte order) read as a little-endian uint32: 127.0.0.1 is 16777343. */
  public static int encodeIp(Inet4Address ip) {
    byte[] b = ip.getAddress();
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  public static Inet4Address decodeIp(int ip) {
    byte[] b = {(byte) ip, (byte) (ip >>> 8), (byte) (ip >>> 16), (byte) (ip >>> 24)};
    try {
      return (Inet4Address) InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError("four bytes are always an IPv4 address", e);
    }
  }

  /** {@code host:port} to reach the master's gRPC API: the address field, else ip and port, else the pid. */
  public static String endpoint(MasterInfo info) {
    if (info.hasAddress() && info.getAddress().hasIp() && !info.getAddress().getIp().isEmpty()) {
      return info.getAddress().getIp() + ":" + info.getAddress().getPort();
    }
    if (info.getIp() != 0) {
      return decodeIp(info.getIp()).getHostAddress() + ":" + info.getPort();
    }
    String pid = info.getPid();
    int at = pid.indexOf('@');
    return at >= 0 ? pid.substring(at + 1) : info.getHostname() + ":" + info.getPort();
  }

  /** The short form used in logs and events: the pid when there is one. */
  public static String describe(MasterInfo info) {
    return info.hasPid() && !info.getPid().isEmpty() ? info.getPid() : "master@" + endpoint(info);
  }
}
