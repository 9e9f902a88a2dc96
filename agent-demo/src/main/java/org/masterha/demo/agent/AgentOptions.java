package org.masterha.demo.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.masterha.demo.common.AgentIds;
import org.masterha.demo.common.AgentTokens;
import org.masterha.demo.common.Flags;
import org.masterha.demo.common.GrpcTls;
import org.masterha.demo.common.HaFlags;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.Secret;

/**
 * An agent's settings, from its command line. Exactly one of {@code ha} and {@code masters} is set.
 */
public record AgentOptions(
    String id,
    String name,
    String hostname,
    int port,
    Duration heartbeatInterval,
    long minEpoch,
    Optional<HaConfig> ha,
    List<String> masters,
    Optional<GrpcTls.Client> tls,
    Optional<Secret> token) {
  public static final Flags FLAGS =
      AgentTokens.define(
              GrpcTls.defineClient(HaFlags.define(Flags.builder(), "10s")),
              "token",
              "the token masters require of agents (their --agent-token-file or --agent-token-env)")
          .value(
              "master",
              "HOST:PORT[,HOST:PORT...]",
              "follow the leader through these masters' WatchLeader streams instead of --ha-url",
              null)
          .value("id", "ID", "the agent's id", "a random UUID")
          .value("name", "NAME", "a short name for logs and events, e.g. a1", "the id")
          .value("hostname", "NAME", "the host name the agent reports", "localhost")
          .value("port", "PORT", "the port the agent reports", "5051")
          .value(
              "heartbeat-interval",
              "DURATION",
              "time between heartbeats (and registration retries)",
              "500ms")
          .value(
              "min-epoch",
              "N",
              "refuse every master whose epoch is below N, as if epoch N had been seen (e.g. from a previous run)",
              null)
          .build();

  public static final String USAGE =
      "Usage: masterha agent (--ha-url=URL | --master=HOST:PORT[,...]) [flags]\n\n"
          + "Runs an agent that detects the leading master, registers with it and sends heartbeats; it follows failovers\n"
          + "and refuses any master whose epoch is below the highest it has seen.\n"
          + "Exit codes: 0 --help, 1 fatal error, 2 bad flags, 20 a master refused the agent's token (UNAUTHENTICATED),\n"
          + "130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.\n"
          + "Calls to masters are plaintext unless --tls-ca is given (--tls-cert/--tls-key add a client certificate for\n"
          + "mutual TLS); --token-file/--token-env send the agents' token on Register and Heartbeat (docs/operations.md).\n\n"
          + "Flags:\n"
          + FLAGS.describe();

  public static AgentOptions parse(Flags.Parsed p, HaBackends backends) {
    if (!p.positionals().isEmpty()) {
      throw new UsageException(
          "unexpected argument '" + p.positionals().get(0) + "'; flags look like --name=value");
    }
    boolean viaHa = HaFlags.given(p);
    boolean viaMaster = p.given("master");
    if (viaHa == viaMaster) {
      throw new UsageException(
          viaHa
              ? "flags --master and --ha-url/--ha-backend both name a leader source; give one of them"
              : "no leader source: give --ha-url=URL (detect through the store) or --master=HOST:PORT (a master's leader stream)");
    }
    List<String> masters = new ArrayList<>();
    if (viaMaster) {
      for (String m : p.get("master").orElseThrow().split(",", -1)) {
        masters.add(hostPort(m.strip()));
      }
    }
    Optional<HaConfig> ha =
        viaHa ? Optional.of(HaFlags.config(p, Optional.empty(), backends)) : Optional.empty();
    String id = p.given("id") ? p.required("id", "agent-1") : UUID.randomUUID().toString();
    Optional<String> badId = AgentIds.problem(id);
    if (badId.isPresent()) {
      throw new UsageException("flag --id: " + badId.get());
    }
    String name = p.given("name") ? p.required("name", "a1") : id;
    long minEpoch = p.given("min-epoch") ? p.longValue("min-epoch", 0) : -1;
    return new AgentOptions(
        id,
        name,
        p.get("hostname").orElseThrow(),
        p.integer("port", 0, 65535),
        p.duration("heartbeat-interval", Duration.ofMillis(50), Duration.ofMinutes(1)),
        minEpoch,
        ha,
        masters,
        GrpcTls.client(p),
        AgentTokens.read(p, "token"));
  }

  private static String hostPort(String m) {
    int colon = m.lastIndexOf(':');
    String accepted = "; expected HOST:PORT[,HOST:PORT...], e.g. --master=127.0.0.1:5050";
    if (colon <= 0) {
      throw new UsageException("flag --master: '" + m + "' has no port" + accepted);
    }
    try {
      int port = Integer.parseInt(m.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new UsageException(
          "flag --master: '" + m + "' has a bad port (accepted: 1 to 65535)" + accepted);
    }
    return m;
  }
}
