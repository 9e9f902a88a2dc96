package org.masterha.consul.fake;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * {@code /v1/status/leader}, {@code /v1/status/peers} and {@code /v1/agent/self}: just enough of a
 * single-server cluster for clients that ping the agent or read its configuration.
 *
 * <p>The leader and peer addresses are Raft (server RPC) addresses on Consul's default port 8300,
 * as Consul reports them; they are not where the fake's HTTP API listens.
 */
final class AgentStatusHandler {

  static final String FAKE_VERSION = "1.20.0";
  static final String RAFT_ADDRESS = "127.0.0.1:8300";

  private final Settings settings;
  private final AclFilter acl;
  private final IntSupplier httpPort;

  AgentStatusHandler(Settings settings, AclFilter acl, IntSupplier httpPort) {
    this.settings = settings;
    this.acl = acl;
    this.httpPort = httpPort;
  }

  /** Consul's status endpoints need no ACL token: clients use them as an unauthenticated ping. */
  ApiResponse leader(ApiRequest r) {
    QueryOptions.checkDatacenter(r, settings.datacenter);
    return ApiResponse.json(TextNode.valueOf(RAFT_ADDRESS));
  }

  ApiResponse peers(ApiRequest r) {
    QueryOptions.checkDatacenter(r, settings.datacenter);
    ArrayNode out = Json.array();
    out.add(RAFT_ADDRESS);
    return ApiResponse.json(out);
  }

  /**
   * The parts of agent/self that clients read. DebugConfig carries the runtime configuration as
   * Consul sanitises it: durations as Go strings, and SessionTTLMin as "0s" unless configured
   * (Consul then applies its built-in 10s minimum).
   */
  ApiResponse self(ApiRequest r) {
    r.principal().require("agent", "read", settings.nodeName);
    ObjectNode out = Json.object();

    ObjectNode config = out.putObject("Config");
    config.put("Datacenter", settings.datacenter);
    config.put("PrimaryDatacenter", settings.datacenter);
    config.put("NodeName", settings.nodeName);
    config.put("NodeID", "00000000-0000-4000-8000-00000000fa4e");
    config.put("Revision", "fake");
    config.put("Server", true);
    config.put("Version", FAKE_VERSION);
    config.put("VersionPrerelease", "");
    config.put("VersionMetadata", "fake");

    ObjectNode debug = out.putObject("DebugConfig");
    debug.put("Datacenter", settings.datacenter);
    debug.put("PrimaryDatacenter", settings.datacenter);
    debug.put("NodeName", settings.nodeName);
    debug.put("ServerMode", true);
    debug.put("ACLsEnabled", acl.enabled());
    debug.put("SessionTTLMin", settings.debugConfigSessionTtlMin());
    debug.put("KVMaxValueSize", settings.maxValueSize);
    debug.put("TxnMaxReqLen", settings.txnMaxReqLen);
    debug.put("HTTPPort", httpPort.getAsInt());
    debug.put("ServerPort", 8300);
    debug.putArray("ClientAddrs").add("127.0.0.1");

    out.putNull("Coord");

    ObjectNode member = out.putObject("Member");
    member.put("Name", settings.nodeName);
    member.put("Addr", "127.0.0.1");
    member.put("Port", 8301);
    ObjectNode tags = member.putObject("Tags");
    tags.put("role", "consul");
    tags.put("dc", settings.datacenter);
    tags.put("port", "8300");
    tags.put("build", FAKE_VERSION + ":fake");
    tags.put("vsn", "2");
    member.put("Status", 1);
    member.put("ProtocolMin", 1);
    member.put("ProtocolMax", 5);
    member.put("ProtocolCur", 2);
    member.put("DelegateMin", 2);
    member.put("DelegateMax", 5);
    member.put("DelegateCur", 4);

    out.putObject("Stats");
    out.putObject("Meta").put("consul-network-segment", "");
    return ApiResponse.json(out);
  }

  /** The name of the fake's request counter in {@code /v1/agent/metrics}. */
  static final String REQUESTS_COUNTER = "consul.fake.http.requests";

  /**
   * {@code /v1/agent/metrics} in the shape of Consul's (Timestamp, Gauges, Points, Counters,
   * Samples), with one counter: {@value #REQUESTS_COUNTER}, every HTTP request the fake received
   * since it started, metrics reads excepted. Unlike Consul's counters, which cover the current 10
   * s interval, it is cumulative, so a reader takes the difference of two reads.
   */
  ApiResponse metrics(ApiRequest r, AtomicLong requests) {
    r.principal().require("agent", "read", settings.nodeName);
    long count = requests.get();
    ObjectNode out = Json.object();
    out.put("Timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    out.putArray("Gauges");
    out.putArray("Points");
    ObjectNode counter = out.putArray("Counters").addObject();
    counter.put("Name", REQUESTS_COUNTER);
    counter.put("Count", count);
    counter.put("Rate", 0.0);
    counter.put("Sum", (double) count);
    counter.put("Min", 1.0);
    counter.put("Max", 1.0);
    counter.put("Mean", 1.0);
    counter.put("Stddev", 0.0);
    counter.putObject("Labels");
    out.putArray("Samples");
    return ApiResponse.json(out);
  }
}
