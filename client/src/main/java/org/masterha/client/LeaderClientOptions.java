package org.masterha.client;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link LeaderClient} reaches the masters: their gRPC endpoints, TLS, and its timeouts.
 * Immutable; made with {@link #builder()}. TLS files are read, and the TLS context built, in {@link
 * Builder#build()}, so a missing or bad file fails there, naming the file.
 */
public final class LeaderClientOptions {
  /** The default {@link Builder#firstEventTimeout}. */
  public static final Duration DEFAULT_FIRST_EVENT_TIMEOUT = Duration.ofSeconds(5);

  /** The default {@link Builder#initialBackoff}. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

  /** The default {@link Builder#maxBackoff}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /**
   * The default {@link Builder#epochRegressConfirmation}: masterha's default session timeout, the
   * longest a lagging view can honestly show an old leader.
   */
  public static final Duration DEFAULT_EPOCH_REGRESS_CONFIRMATION = Duration.ofSeconds(10);

  private final List<String> endpoints;
  private final Optional<SslContext> tls;
  private final String tlsMode;
  private final Duration firstEventTimeout;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration epochRegressConfirmation;
  private final long knownEpoch;

  private LeaderClientOptions(Builder b, Optional<SslContext> tls, String tlsMode) {
    this.endpoints = List.copyOf(b.endpoints);
    this.tls = tls;
    this.tlsMode = tlsMode;
    this.firstEventTimeout = b.firstEventTimeout;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.epochRegressConfirmation = b.epochRegressConfirmation;
    this.knownEpoch = b.knownEpoch;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The masters' gRPC endpoints, {@code host:port}, in the order they are tried. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The TLS context of every call to a master; empty for plaintext. */
  public Optional<SslContext> tls() {
    return tls;
  }

  /** {@code off}, {@code on} or {@code mutual}, for logs. */
  public String tlsMode() {
    return tlsMode;
  }

  public Duration firstEventTimeout() {
    return firstEventTimeout;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  public Duration epochRegressConfirmation() {
    return epochRegressConfirmation;
  }

  /** The epoch the client starts from, as if it had seen it; -1 for none. */
  public long knownEpoch() {
    return knownEpoch;
  }

  @Override
  public String toString() {
    return "LeaderClientOptions[endpoints="
        + endpoints
        + ", tls="
        + tlsMode
        + ", firstEventTimeout="
        + firstEventTimeout
        + ", backoff="
        + initialBackoff
        + ".."
        + maxBackoff
        + ", epochRegressConfirmation="
        + epochRegressConfirmation
        + ", knownEpoch="
        + knownEpoch
        + "]";
  }

  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private Path trustedCa;
    private Path clientCertificate;
    private Path clientKey;
    private SslContext sslContext;
    private boolean sslContextMutual;
    private Duration firstEventTimeout = DEFAULT_FIRST_EVENT_TIMEOUT;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration epochRegressConfirmation = DEFAULT_EPOCH_REGRESS_CONFIRMATION;
    private long knownEpoch = -1;

    private Builder() {}

    /** Adds masters' gRPC endpoints, {@code host:port} each; tried in this order. */
    public Builder endpoints(List<String> hostPorts) {
      for (String e : hostPorts) {
        endpoint(e);
      }
      return this;
    }

    /** Adds masters' gRPC endpoints, {@code host:port} each; tried in this order. */
    public Builder endpoints(String... hostPorts) {
      return endpoints(List.of(hostPorts));
    }

    /** Adds one master's gRPC endpoint, {@code host:port}. */
    public Builder endpoint(String hostPort) {
      endpoints.add(checkEndpoint(hostPort));
      return this;
    }

    /**
     * Turns TLS on: the masters' certificates must be signed by a CA in this PEM file (the masters'
     * {@code --tls-cert}).
     */
    public Builder trustedCa(Path caPem) {
      this.trustedCa = Objects.requireNonNull(caPem, "caPem");
      return this;
    }

    /**
     * Mutual TLS: this client's PEM certificate and its unencrypted PKCS#8 PEM key ({@code BEGIN
     * PRIVATE KEY}), for masters started with {@code --tls-client-ca}. Needs {@link #trustedCa}.
     */
    public Builder clientCertificate(Path certificatePem, Path keyPem) {
      this.clientCertificate = Objects.requireNonNull(certificatePem, "certificatePem");
      this.clientKey = Objects.requireNonNull(keyPem, "keyPem");
      return this;
    }

    /**
     * A TLS context built by the caller (with {@code GrpcSslContexts.forClient()}), instead of
     * {@link #trustedCa} and {@link #clientCertificate}; {@code mutual} says whether it carries a
     * client certificate, for logs.
     */
    public Builder sslContext(SslContext context, boolean mutual) {
      this.sslContext = Objects.requireNonNull(context, "context");
      this.sslContextMutual = mutual;
      return this;
    }

    /**
     * How long a new stream may stay silent before its first event (every master sends the leader
     * it sees at once) before the client gives up on that master and tries the next: a frozen
     * master accepts connections but never answers. Default 5 s.
     */
    public Builder firstEventTimeout(Duration timeout) {
      this.firstEventTimeout = positive("firstEventTimeout", timeout);
      return this;
    }

    /**
     * The wait before connecting to the next master after a stream broke or could not start; it
     * doubles with every attempt that brings no event, up to {@link #maxBackoff}. Default 100 ms.
     */
    public Builder initialBackoff(Duration backoff) {
      this.initialBackoff = positive("initialBackoff", backoff);
      return this;
    }

    /** The longest wait between attempts. Default 5 s. */
    public Builder maxBackoff(Duration backoff) {
      this.maxBackoff = positive("maxBackoff", backoff);
      return this;
    }

    /**
     * How long every report must stay below the highest epoch seen before the client takes it for a
     * store that went back in time (wiped, or restored from a backup) and follows the leader on the
     * new, lower epoch line, rather than ignore every master for ever (docs/contract.md, rule 11).
     * Shorter reports below the highest epoch come from stale masters and are ignored. Default 10
     * s.
     */
    public Builder epochRegressConfirmation(Duration confirmation) {
      this.epochRegressConfirmation = positive("epochRegressConfirmation", confirmation);
      return this;
    }

    /**
     * Starts as if epoch {@code epoch} had been seen (e.g. saved by a previous run): masters
     * reporting a lower epoch are ignored.
     */
    public Builder knownEpoch(long epoch) {
      if (epoch < 0) {
        throw new IllegalArgumentException(
            "knownEpoch " + epoch + " is negative; epochs are 0 or more");
      }
      this.knownEpoch = epoch;
      return this;
    }

    /**
     * The options; reads the TLS files. Fails with {@link IllegalArgumentException} naming what is
     * wrong: no endpoint, a TLS file that cannot be read or is not PEM, a client certificate
     * without a CA, backoffs out of order.
     */
    public LeaderClientOptions build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException(
            "no master endpoint; give at least one host:port of a master's gRPC API, e.g."
                + " endpoints(\"10.0.0.11:5050\")");
      }
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
      }
      if (sslContext != null) {
        if (trustedCa != null || clientCertificate != null) {
          throw new IllegalArgumentException(
              "sslContext and trustedCa/clientCertificate both configure TLS; give one of them");
        }
        return new LeaderClientOptions(
            this, Optional.of(sslContext), sslContextMutual ? "mutual" : "on");
      }
      if (trustedCa == null) {
        if (clientCertificate != null) {
          throw new IllegalArgumentException(
              "clientCertificate needs trustedCa: the CA that signs the masters' certificates");
        }
        return new LeaderClientOptions(this, Optional.empty(), "off");
      }
      pem("trustedCa", trustedCa, "-----BEGIN CERTIFICATE-----", "CA certificates in PEM");
      if (clientCertificate != null) {
        pem(
            "clientCertificate",
            clientCertificate,
            "-----BEGIN CERTIFICATE-----",
            "a certificate in PEM");
        pem(
            "clientCertificate key",
            clientKey,
            "-----BEGIN PRIVATE KEY-----",
            "an unencrypted PKCS#8 key in PEM (convert one with: openssl pkcs8 -topk8 -nocrypt"
                + " -in KEY -out key-pkcs8.pem)");
      }
      try {
        SslContextBuilder b = GrpcSslContexts.forClient().trustManager(trustedCa.toFile());
        if (clientCertificate != null) {
          b.keyManager(clientCertificate.toFile(), clientKey.toFile());
        }
        return new LeaderClientOptions(
            this, Optional.of(b.build()), clientCertificate != null ? "mutual" : "on");
      } catch (Exception e) {
        throw new IllegalArgumentException(
            "cannot make a TLS client of CA "
                + trustedCa
                + (clientCertificate != null
                    ? " and certificate " + clientCertificate + " with key " + clientKey
                    : "")
                + ": "
                + e.getMessage(),
            e);
      }
    }

    private static String checkEndpoint(String hostPort) {
      String accepted = "; expected host:port of a master's gRPC API, e.g. 10.0.0.11:5050";
      if (hostPort == null || hostPort.isBlank()) {
        throw new IllegalArgumentException("empty master endpoint" + accepted);
      }
      String e = hostPort.strip();
      int colon = e.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "master endpoint '" + e + "' has no host or no port" + accepted);
      }
      try {
        int port = Integer.parseInt(e.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(
            "master endpoint '" + e + "' has a bad port (accepted: 1 to 65535)" + accepted);
      }
      return e;
    }

    private static Duration positive(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }

    /** Checks that {@code file} is readable and holds {@code marker}; never prints its contents. */
    private static void pem(String what, Path file, String marker, String expected) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(
            what + ": file " + file + " does not exist or is not a file; expected " + expected);
      }
      String text;
      try {
        text = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException(
            what + ": file " + file + " cannot be read (" + e.getMessage() + ")", e);
      }
      if (!text.contains(marker)) {
        throw new IllegalArgumentException(
            what + ": " + file + " holds no " + marker + "; expected " + expected);
      }
    }
  }
}
