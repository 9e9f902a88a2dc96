package org.masterha.consul;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.config.CacheConfig;
import org.kiwiproject.consul.config.ClientConfig;

/** Builds the consul-client {@link Consul} a session talks through. */
final class ConsulClients {
  private ConsulClients() {}

  static Consul build(ConsulSettings settings, Optional<PemTls> tls, ExecutorService dispatcher) {
    long timeout = settings.requestTimeout().toMillis();
    Consul.Builder b =
        Consul.builder()
            .withUrl(settings.agentUri().toString())
            .withPing(false)
            .withConnectTimeoutMillis(timeout)
            .withReadTimeoutMillis(timeout)
            .withWriteTimeoutMillis(timeout)
            .withExecutorService(dispatcher)
            // consul-client stretches the read timeout of a request carrying ?wait= to wait +
            // wait/16 + this
            // margin (its TimeoutInterceptor), so a blocking query is never cut off while Consul
            // holds it.
            .withClientConfiguration(
                new ClientConfig(
                    CacheConfig.builder()
                        .withTimeoutAutoAdjustmentEnabled(true)
                        .withTimeoutAutoAdjustmentMargin(Duration.ofMillis(timeout))
                        .build()));
    // withTokenAuth sends the X-Consul-Token header. Not withAclToken: that one appends ?token=...
    // to the
    // URL, and consul-client quotes request URLs in its exception messages, which would print the
    // token.
    settings.token().ifPresent(t -> b.withTokenAuth(t.reveal()));
    tls.ifPresent(t -> b.withSslContext(t.context).withTrustManager(t.trustManager));
    return b.build();
  }
}
