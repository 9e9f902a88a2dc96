package org.masterha.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the jetcd client for a session: endpoints, TLS material and credentials. */
final class EtcdClients {
  private static final Logger log = LoggerFactory.getLogger(EtcdClients.class);

  private EtcdClients() {}

  static Client build(EtcdSettings settings) {
    ClientBuilder builder =
        Client.builder()
            .endpoints(settings.endpoints().toArray(java.net.URI[]::new))
            .connectTimeout(Duration.ofSeconds(5))
            // Fail fast while no connection is up, so our own retries see why (a refused TLS
            // handshake is fatal, a
            // server that is down is not) instead of calls waiting silently for a connection that
            // may never come.
            .waitForReady(false)
            // We retry ourselves, knowing when each attempt went out (a lease's deadline counts
            // from its grant's send
            // time) and which failures are final; jetcd still fetches a new token when etcd says it
            // is invalid.
            .retryMaxAttempts(0)
            // A member that vanishes without closing its connections (a crashed host, a partition)
            // would leave a
            // watch on it silent: HTTP/2 pings find the dead connection within 15 s rather than
            // jetcd's 40 s, and
            // the watch resumes on another member. 10 s is as often as gRPC pings; etcd refuses
            // pings on idle
            // connections, so none are sent there.
            .keepaliveTime(Duration.ofSeconds(10))
            .keepaliveTimeout(Duration.ofSeconds(5))
            .keepaliveWithoutCalls(false);
    if (settings.tls()) {
      builder.sslContext(sslContext(settings.tlsOptions().orElse(TlsOptions.builder().build())));
    }
    settings
        .credentials()
        .ifPresent(
            c -> {
              if (!settings.tls()) {
                log.warn(
                    "etcd credentials for user '{}' go to {} without TLS; use etcds:// or TLS options to protect the password",
                    c.username().orElse(""),
                    settings.endpoints());
              }
              builder.user(ByteSequence.from(c.username().orElseThrow(), StandardCharsets.UTF_8));
              builder.password(ByteSequence.from(c.secret().reveal(), StandardCharsets.UTF_8));
            });
    return builder.build();
  }

  static SslContext sslContext(TlsOptions tls) {
    SslContextBuilder ssl = GrpcSslContexts.forClient();
    tls.trustedCa()
        .ifPresent(
            ca -> {
              try {
                ssl.trustManager(ca.toFile());
              } catch (IllegalArgumentException e) {
                throw new HaConfigException(
                    "TLS CA file "
                        + ca
                        + " holds no PEM certificate that can be read: "
                        + e.getMessage(),
                    e);
              }
            });
    if (tls.clientCertificate().isPresent()) {
      try {
        ssl.keyManager(
            tls.clientCertificate().get().toFile(), tls.clientKey().orElseThrow().toFile());
      } catch (IllegalArgumentException e) {
        throw new HaConfigException(
            "TLS client certificate "
                + tls.clientCertificate().get()
                + " and its key cannot be "
                + "used: "
                + e.getMessage()
                + " (the key must be an unencrypted PKCS#8 PEM key, 'BEGIN PRIVATE KEY'; convert "
                + "one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem)",
            e);
      }
    }
    try {
      return ssl.build();
    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
      throw new HaConfigException(
          "the TLS settings " + tls + " cannot be used: " + e.getMessage(), e);
    }
  }
}
