package org.masterha.ha;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.masterha.ha.error.HaConfigException;

/**
 * TLS material in PEM files: the CA that signs the servers' certificates and, for mutual TLS, the
 * client's certificate chain and private key. Backends that do not speak TLS refuse a config that
 * carries these.
 */
public final class TlsOptions {
  private final Optional<Path> trustedCa;
  private final Optional<Path> clientCertificate;
  private final Optional<Path> clientKey;

  private TlsOptions(Builder b) {
    this.trustedCa = Optional.ofNullable(b.trustedCa);
    this.clientCertificate = Optional.ofNullable(b.clientCertificate);
    this.clientKey = Optional.ofNullable(b.clientKey);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** PEM bundle of CA certificates to trust; empty means the JVM's default trust store. */
  public Optional<Path> trustedCa() {
    return trustedCa;
  }

  public Optional<Path> clientCertificate() {
    return clientCertificate;
  }

  public Optional<Path> clientKey() {
    return clientKey;
  }

  @Override
  public String toString() {
    return "TlsOptions[ca="
        + trustedCa.map(Path::toString).orElse("default")
        + ", clientCertificate="
        + clientCertificate.map(Path::toString).orElse("none")
        + ", clientKey="
        + clientKey.map(p -> "<file>").orElse("none")
        + "]";
  }

  public static final class Builder {
    private Path trustedCa;
    private Path clientCertificate;
    private Path clientKey;

    private Builder() {}

    public Builder trustedCa(Path pem) {
      this.trustedCa = readable(pem, "TLS CA file");
      return this;
    }

    public Builder clientCertificate(Path pem) {
      this.clientCertificate = readable(pem, "TLS client certificate file");
      return this;
    }

    public Builder clientKey(Path pem) {
      this.clientKey = readable(pem, "TLS client key file");
      return this;
    }

    public TlsOptions build() {
      if ((clientCertificate == null) != (clientKey == null)) {
        throw new HaConfigException(
            "TLS client certificate and client key go together: give both or neither");
      }
      return new TlsOptions(this);
    }

    private static Path readable(Path file, String what) {
      Objects.requireNonNull(file, what);
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new HaConfigException(what + " " + file + " is not a readable file");
      }
      return file;
    }
  }
}
