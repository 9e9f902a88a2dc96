package org.masterha.masterinfo;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;
import org.masterha.proto.Address;
import org.masterha.proto.MasterInfo;

/** Builds MasterInfo the way Mesos fills it in. */
public final class MasterInfos {
  /** The libprocess id of a Mesos master; its UPID is {@code master@ip:port}. */
  public static final String MASTER_PROCESS_ID = "master";

  private MasterInfos() {}

  /**
   * A MasterInfo as a Mesos master fills in its own ({@code Master::Master} in {@code
   * src/master/master.cpp}): {@code id}, {@code ip} (Mesos' little-endian s_addr, see {@link
   * Ipv4}), {@code port}, {@code pid = master@ip:port}, {@code hostname}, {@code version}, and
   * {@code address} with the same hostname, dotted ip and port.
   *
   * @param id the master's id (Mesos uses a random UUID)
   * @param ip the IPv4 address the master is reachable on, dotted
   * @param port 1 to 65535
   * @param hostname the name to advertise (Mesos: {@code --hostname}, a reverse lookup, or the ip)
   * @param version the software version, e.g. {@code 1.4.0}
   * @throws IllegalArgumentException naming the bad argument
   */
  public static MasterInfo of(String id, String ip, int port, String hostname, String version) {
    return builder(id, ip, port, hostname, version).build();
  }

  /** Like {@link #of}, but a builder, to add {@code domain} or {@code capabilities}. */
  public static MasterInfo.Builder builder(
      String id, String ip, int port, String hostname, String version) {
    requireText(id, "id");
    requireText(hostname, "hostname");
    requireText(version, "version");
    Objects.requireNonNull(ip, "ip");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "MasterInfo port " + port + " is out of range; accepted: 1 to 65535");
    }
    Upid pid = new Upid(MASTER_PROCESS_ID, ip, port);
    return MasterInfo.newBuilder()
        .setId(id)
        .setIp(pid.mesosIp())
        .setPort(port)
        .setPid(pid.toString())
        .setHostname(hostname)
        .setVersion(version)
        .setAddress(Address.newBuilder().setHostname(hostname).setIp(ip).setPort(port));
  }

  /**
   * The MasterInfo of a legacy member that holds only a UPID, as Mesos' {@code
   * createMasterInfo(const UPID&)} ({@code src/common/protobuf_utils.cpp}) builds it: {@code id =
   * <pid>-<uuid>}, {@code ip}, {@code port}, {@code pid}, and {@code address} {ip, port}.
   *
   * <p>Two deliberate differences. Mesos appends a random UUID to the id; here it is derived from
   * the UPID, so decoding the same member twice gives equal MasterInfos and a detector does not
   * report a leader change that did not happen. And Mesos sets {@code hostname} (and {@code
   * address.hostname}) by a reverse DNS lookup and adds its own version's master capabilities; a
   * decoder here does no network look-ups and does not claim capabilities for a master that
   * predates them, so those fields stay unset.
   */
  public static MasterInfo fromUpid(Upid pid) {
    Objects.requireNonNull(pid, "pid");
    String text = pid.toString();
    return MasterInfo.newBuilder()
        .setId(text + "-" + UUID.nameUUIDFromBytes(text.getBytes(StandardCharsets.UTF_8)))
        .setIp(pid.mesosIp())
        .setPort(pid.port())
        .setPid(text)
        .setAddress(Address.newBuilder().setIp(pid.ip()).setPort(pid.port()))
        .build();
  }

  private static void requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException("MasterInfo " + name + " must not be empty");
    }
  }

  /**
   * {@code host:port} of the master's gRPC API: the address field, else ip and port, else the host
   * part of the pid (else hostname and port). Agents and clients dial what this returns.
   */
  public static String endpoint(MasterInfo info) {
    if (info.hasAddress() && info.getAddress().hasIp() && !info.getAddress().getIp().isEmpty()) {
      return info.getAddress().getIp() + ":" + info.getAddress().getPort();
    }
    if (info.getIp() != 0) {
      return Ipv4.fromMesos(info.getIp()) + ":" + info.getPort();
    }
    String pid = info.getPid();
    int at = pid.indexOf('@');
    return at >= 0 ? pid.substring(at + 1) : info.getHostname() + ":" + info.getPort();
  }
}
