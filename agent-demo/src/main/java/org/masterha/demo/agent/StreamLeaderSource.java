package org.masterha.demo.agent;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.masterha.client.LeaderClient;
import org.masterha.client.LeaderClientOptions;
import org.masterha.client.LeadingMaster;
import org.masterha.demo.common.GrpcTls;
import org.masterha.ha.HaConfig;

/**
 * Follows the leader through masters' WatchLeader streams with the client library ({@link
 * LeaderClient}): one stream at a time, moving on to the next master in the list when a stream
 * breaks, brings nothing, or its master does not answer the agent. A broken stream says nothing
 * about the leader, so it reports nothing; the next master's first event says who leads.
 *
 * <p>The agent keeps its own fencing and its {@code refused} events, so reports the client ignores
 * as stale are passed on too: the agent refuses them itself and says why.
 */
final class StreamLeaderSource implements LeaderSource {
  private final LeaderClient client;

  /** Retries every {@code retry} (the agent's heartbeat interval), as the agent does its calls. */
  StreamLeaderSource(List<String> masters, Duration retry, Optional<GrpcTls.Client> tls) {
    LeaderClientOptions.Builder options =
        LeaderClientOptions.builder()
            .endpoints(masters)
            .initialBackoff(retry)
            .maxBackoff(retry)
            // The agent's own regress confirmation (DemoAgent) is the default session timeout too.
            .epochRegressConfirmation(HaConfig.DEFAULT_SESSION_TIMEOUT);
    tls.ifPresent(t -> options.sslContext(t.context(), t.mutual()));
    this.client = LeaderClient.create(options.build());
  }

  @Override
  public void start(Consumer<Optional<Sighting>> onChange, Consumer<Throwable> onFatal) {
    client.addListener(
        new LeaderClient.Listener() {
          @Override
          public void leaderChanged(Optional<LeadingMaster> leader, String reportedBy) {
            onChange.accept(leader.map(l -> sighting(l, reportedBy)));
          }

          @Override
          public void staleLeaderIgnored(
              LeadingMaster stale, long highestEpoch, String reportedBy) {
            onChange.accept(Optional.of(sighting(stale, reportedBy)));
          }
        });
    client.start();
  }

  private static Sighting sighting(LeadingMaster leader, String reportedBy) {
    return new Sighting(leader.info(), leader.epoch(), "stream@" + reportedBy);
  }

  @Override
  public void unreachable(String endpoint) {
    client.unreachable(endpoint);
  }

  @Override
  public String describe() {
    return client.describe();
  }

  @Override
  public void close() {
    client.close();
  }
}
