package org.masterha.demo.master;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.masterha.demo.common.AgentTokens;
import org.masterha.demo.common.Flags;
import org.masterha.demo.common.GrpcTls;
import org.masterha.demo.common.HaFlags;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.Secret;
import org.masterha.ha.embed.EmbeddedPeers;
import org.masterha.ha.embed.EmbeddedStoreProvider;
import org.masterha.ha.embed.EmbeddedStores;
import org.masterha.ha.error.HaConfigException;

/** A master's settings, from its command line. */
public record MasterOptions(
    String name,
    Inet4Address ip,
    int port,
    String hostname,
    boolean contendAgain,
    HaConfig ha,
    Duration reregistrationTimeout,
    Optional<GrpcTls.Server> tls,
    Optional<Secret> agentToken,
    Optional<InetSocketAddress> metrics,
    Optional<EmbeddedPeers> raftPeer) {
  public static final Flags FLAGS =
      AgentTokens.define(
              GrpcTls.defineServer(HaFlags.define(Flags.builder(), "10s")),
              "agent-token",
              "the token agents must present to Register and Heartbeat")
          .value(
              "ip",
              "IPV4",
              "the address to serve the gRPC API on; published in MasterInfo",
              "127.0.0.1")
          .value("port", "PORT", "the port to serve the gRPC API on; 0 picks a free one", "5050")
          .value(
              "hostname",
              "NAME",
              "the host name published in MasterInfo",
              "localhost for a loopback --ip, else the --ip")
          .value("name", "NAME", "a short name for logs and events, e.g. m1", "master@ip:port")
          .bool(
              "contend-again",
              "on losing leadership, or seeing another or no leader while leading, step down and contend again instead of exiting")
          .value(
              "reregistration-timeout",
              "DURATION",
              "after an election, how long agents in the recovered registry have to"
                  + " re-register before they are marked gone",
              "10s")
          .value(
              "metrics-port",
              "PORT",
              "serve Prometheus metrics (/metrics), liveness (/health) and readiness (/ready) over"
                  + " HTTP on this port; 0 picks a free one; off unless given",
              null)
          .value(
              "metrics-address",
              "IPV4",
              "the address to serve --metrics-port on; metrics are for the local network only",
              "127.0.0.1")
          .value(
              "raft-peers",
              "ID=HOST:PORT,...",
              "run a peer of the raft backend's quorum inside this master: every peer's id and address"
                  + " (3 or 5 masters are the quorum); needs --raft-self and --raft-data; --ha-url then"
                  + " defaults to raft://PEERS/masterha",
              null)
          .value("raft-self", "ID", "which of --raft-peers this master runs", null)
          .value(
              "raft-data",
              "DIR",
              "this master's raft peer's log and snapshots (created if missing; must be writable)",
              null)
          .build();

  public static final String USAGE =
      "Usage: masterha master --ha-url=URL [flags]\n\n"
          + "Runs a master that contends for leadership and serves the masterha gRPC API.\n"
          + "Exit codes: 0 --help, 1 fatal error, 2 bad flags, 10 lost leadership, 11 another leader detected while leading,\n"
          + "12 no leader detected while leading, 13 candidacy lost before it was elected, 130 stopped by Ctrl-C (SIGINT),\n"
          + "143 stopped by SIGTERM (both a clean shutdown: a leader steps down and its successor is elected at once).\n"
          + "The gRPC API is plaintext unless --tls-cert/--tls-key are given; --tls-client-ca adds mutual TLS, and\n"
          + "--agent-token-file/--agent-token-env make Register and Heartbeat require the agents' token (docs/operations.md).\n"
          + "--metrics-port serves /metrics (Prometheus text), /health (200 while the store session is live) and /ready\n"
          + "(200 only on the leader) over plain HTTP, on 127.0.0.1 unless --metrics-address says otherwise.\n"
          + "--raft-peers/--raft-self/--raft-data run a raft peer in this master (the masters are the quorum; needs the\n"
          + "raft backend on the class path).\n\n"
          + "Flags:\n"
          + FLAGS.describe();

  public static MasterOptions parse(Flags.Parsed p, HaBackends backends) {
    if (!p.positionals().isEmpty()) {
      throw new UsageException(
          "unexpected argument '" + p.positionals().get(0) + "'; flags look like --name=value");
    }
    String ipText = p.get("ip").orElseThrow();
    Inet4Address ip = ipv4(ipText);
    int port = p.integer("port", 0, 65535);
    String hostname =
        p.given("hostname")
            ? p.required("hostname", "localhost")
            : ip.isLoopbackAddress() ? "localhost" : ip.getHostAddress();
    Optional<EmbeddedPeers> raftPeer = raftPeer(p);
    Optional<String> raftUrl =
        raftPeer
            .filter(peers -> !p.given("ha-url"))
            .map(peers -> raftStore(RAFT_FLAGS).url(peers, "/masterha"));
    HaConfig ha = HaFlags.config(p, raftUrl, backends);
    if (raftPeer.isPresent() && !ha.backend().orElse("").equals(RAFT)) {
      throw new UsageException(
          "flags --raft-peers/--raft-self/--raft-data run a raft peer, but the HA backend is '"
              + ha.backend().orElse("?")
              + "'; leave --ha-url out (it defaults to raft://PEERS/masterha) or give a raft:// URL");
    }
    String name = p.given("name") ? p.required("name", "m1") : null;
    Duration reregistration =
        p.duration("reregistration-timeout", Duration.ofMillis(100), Duration.ofHours(24));
    Optional<GrpcTls.Server> tls = GrpcTls.server(p);
    Optional<Secret> token = AgentTokens.read(p, "agent-token");
    return new MasterOptions(
        name,
        ip,
        port,
        hostname,
        p.bool("contend-again"),
        ha,
        reregistration,
        tls,
        token,
        metrics(p),
        raftPeer);
  }

  private static final String RAFT = "raft";
  static final String RAFT_FLAGS = "flags --raft-peers/--raft-self/--raft-data";

  /**
   * The raft backend's embedded peer, found on the class path (master-demo does not depend on it).
   */
  static EmbeddedStoreProvider raftStore(String flags) {
    try {
      return EmbeddedStores.load().byBackend(RAFT);
    } catch (HaConfigException e) {
      throw new UsageException(
          flags
              + ": "
              + e.getMessage()
              + " (install backends/raft, or add ha-raft's jars to MASTERHA_CLASSPATH)");
    }
  }

  private static Optional<EmbeddedPeers> raftPeer(Flags.Parsed p) {
    List<String> flags = List.of("raft-peers", "raft-self", "raft-data");
    List<String> given = flags.stream().filter(p::given).toList();
    if (given.isEmpty()) {
      return Optional.empty();
    }
    if (given.size() < flags.size()) {
      throw new UsageException(
          "flags --raft-peers, --raft-self and --raft-data go together; missing: --"
              + String.join(", --", flags.stream().filter(f -> !given.contains(f)).toList())
              + " (e.g. --raft-peers=n1=10.0.0.1:7070,n2=10.0.0.2:7070,n3=10.0.0.3:7070"
              + " --raft-self=n1 --raft-data=/var/lib/masterha/raft)");
    }
    raftStore(RAFT_FLAGS);
    try {
      EmbeddedPeers peers =
          new EmbeddedPeers(
              p.required("raft-self", "n1"),
              EmbeddedPeers.parse(p.required("raft-peers", "n1=10.0.0.1:7070,...")),
              Path.of(p.required("raft-data", "/var/lib/masterha/raft")));
      peers.prepareDataDir();
      return Optional.of(peers);
    } catch (HaConfigException e) {
      throw new UsageException("flags --raft-peers/--raft-self/--raft-data: " + e.getMessage());
    }
  }

  private static Optional<InetSocketAddress> metrics(Flags.Parsed p) {
    if (!p.given("metrics-port")) {
      if (p.given("metrics-address")) {
        throw new UsageException(
            "flag --metrics-address needs --metrics-port, e.g. --metrics-port=9100");
      }
      return Optional.empty();
    }
    int port = p.integer("metrics-port", 0, 65535);
    String address = p.get("metrics-address").orElseThrow();
    Inet4Address ip;
    try {
      ip = ipv4(address);
    } catch (UsageException e) {
      throw new UsageException(
          "flag --metrics-address='"
              + address
              + "' is not accepted; expected an IPv4 address such as 127.0.0.1");
    }
    return Optional.of(new InetSocketAddress(ip, port));
  }

  private static Inet4Address ipv4(String text) {
    // Only a literal, never a name lookup: MasterInfo.ip can only hold IPv4.
    String[] parts = text.split("\\.", -1);
    byte[] b = new byte[4];
    boolean ok = parts.length == 4;
    for (int i = 0; ok && i < 4; i++) {
      ok = parts[i].matches("\\d{1,3}") && Integer.parseInt(parts[i]) <= 255;
      if (ok) {
        b[i] = (byte) Integer.parseInt(parts[i]);
      }
    }
    if (!ok) {
      throw new UsageException(
          "flag --ip='" + text + "' is not accepted; expected an IPv4 address such as 127.0.0.1");
    }
    try {
      return (Inet4Address) InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
