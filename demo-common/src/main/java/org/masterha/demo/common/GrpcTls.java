package org.masterha.demo.common;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS for the masters' gRPC API, from PEM files named by flags: the master's server certificate and
 * key and, for mutual TLS, the CA its clients' certificates must be signed by ({@link Server}); a
 * client's (an agent's) trusted CA and, for mutual TLS, its own certificate and key ({@link
 * Client}). The files are read and the TLS context is built while the flags are parsed, so a
 * missing file, a key that is not PKCS#8 or a CA file without a certificate is a usage error (exit
 * 2) naming the flag and the file, before anything starts. No file's contents are ever printed.
 */
public final class GrpcTls {
  private GrpcTls() {}

  private static final String CERT_BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final Pattern OTHER_KEY =
      Pattern.compile("-----BEGIN ((RSA|EC|DSA|OPENSSH) PRIVATE KEY)-----");

  /** The flags of a master: its server certificate and, optionally, mutual TLS. */
  public static Flags.Builder defineServer(Flags.Builder b) {
    return b.value(
            "tls-cert",
            "PATH",
            "PEM certificate (chain) the gRPC API serves with TLS; with --tls-key (default: plaintext)",
            null)
        .value("tls-key", "PATH", "PEM private key of --tls-cert, PKCS#8 (BEGIN PRIVATE KEY)", null)
        .value(
            "tls-client-ca",
            "PATH",
            "PEM CA certificate(s): require every gRPC client to present a certificate signed by"
                + " one of them (mutual TLS); needs --tls-cert",
            null);
  }

  /** The flags of a client of the masters (an agent). */
  public static Flags.Builder defineClient(Flags.Builder b) {
    return b.value(
            "tls-ca",
            "PATH",
            "PEM CA certificate(s) the masters' certificates are checked against; turns TLS on for"
                + " every call to a master (default: plaintext)",
            null)
        .value(
            "tls-cert",
            "PATH",
            "PEM client certificate for mutual TLS; with --tls-key and --tls-ca",
            null)
        .value(
            "tls-key", "PATH", "PEM private key of --tls-cert, PKCS#8 (BEGIN PRIVATE KEY)", null);
  }

  /** A master's TLS: what it serves and, with mutual TLS, whom it accepts. */
  public static final class Server {
    private final Path cert;
    private final Optional<Path> clientCa;
    private final SslContext context;

    private Server(Path cert, Optional<Path> clientCa, SslContext context) {
      this.cert = cert;
      this.clientCa = clientCa;
      this.context = context;
    }

    public boolean mutual() {
      return clientCa.isPresent();
    }

    /** {@code mutual} or {@code on}, for logs and events. */
    public String mode() {
      return mutual() ? "mutual" : "on";
    }

    public SslContext context() {
      return context;
    }

    /** Serves TLS on {@code builder}. */
    public NettyServerBuilder apply(NettyServerBuilder builder) {
      return builder.sslContext(context);
    }

    @Override
    public String toString() {
      return "TLS[cert=" + cert + ", clientCa=" + clientCa.map(Path::toString).orElse("none") + "]";
    }
  }

  /** A client's TLS: the CA it trusts for masters and, with mutual TLS, its own certificate. */
  public static final class Client {
    private final Path ca;
    private final Optional<Path> cert;
    private final SslContext context;

    private Client(Path ca, Optional<Path> cert, SslContext context) {
      this.ca = ca;
      this.cert = cert;
      this.context = context;
    }

    public boolean mutual() {
      return cert.isPresent();
    }

    /** {@code mutual} or {@code on}, for logs and events. */
    public String mode() {
      return mutual() ? "mutual" : "on";
    }

    public SslContext context() {
      return context;
    }

    @Override
    public String toString() {
      return "TLS[ca=" + ca + ", clientCert=" + cert.map(Path::toString).orElse("none") + "]";
    }
  }

  /** The master's TLS from {@link #defineServer}'s flags; empty for plaintext. */
  public static Optional<Server> server(Flags.Parsed p) {
    boolean cert = p.given("tls-cert");
    boolean key = p.given("tls-key");
    if (!cert && !key) {
      if (p.given("tls-client-ca")) {
        throw new UsageException(
            "flag --tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS with a server"
                + " certificate first");
      }
      return Optional.empty();
    }
    if (cert != key) {
      throw new UsageException(
          "flags --tls-cert and --tls-key go together: give both, the server certificate and its"
              + " private key");
    }
    Path certFile = certificates("tls-cert", p.get("tls-cert").orElseThrow(), "the certificate");
    Path keyFile = pkcs8("tls-key", p.get("tls-key").orElseThrow());
    Optional<Path> ca =
        p.get("tls-client-ca").map(f -> certificates("tls-client-ca", f, "CA certificates"));
    try {
      SslContextBuilder b = GrpcSslContexts.forServer(certFile.toFile(), keyFile.toFile());
      ca.ifPresent(c -> b.trustManager(c.toFile()).clientAuth(ClientAuth.REQUIRE));
      return Optional.of(new Server(certFile, ca, b.build()));
    } catch (Exception e) {
      throw new UsageException(
          "flags --tls-cert, --tls-key"
              + (ca.isPresent() ? ", --tls-client-ca" : "")
              + ": cannot make a TLS server of "
              + certFile
              + " and "
              + keyFile
              + ca.map(c -> " with client CA " + c).orElse("")
              + ": "
              + Cli.message(e));
    }
  }

  /** A client's TLS from {@link #defineClient}'s flags; empty for plaintext. */
  public static Optional<Client> client(Flags.Parsed p) {
    boolean ca = p.given("tls-ca");
    boolean cert = p.given("tls-cert");
    boolean key = p.given("tls-key");
    if (cert != key) {
      throw new UsageException(
          "flags --tls-cert and --tls-key go together: give both, the client certificate and its"
              + " private key");
    }
    if (!ca) {
      if (cert) {
        throw new UsageException(
            "flags --tls-cert and --tls-key need --tls-ca: the CA that signs the masters'"
                + " certificates");
      }
      return Optional.empty();
    }
    Path caFile = certificates("tls-ca", p.get("tls-ca").orElseThrow(), "CA certificates");
    Optional<Path> certFile =
        p.get("tls-cert").map(f -> certificates("tls-cert", f, "the certificate"));
    Optional<Path> keyFile = p.get("tls-key").map(f -> pkcs8("tls-key", f));
    try {
      SslContextBuilder b = GrpcSslContexts.forClient().trustManager(caFile.toFile());
      if (certFile.isPresent()) {
        b.keyManager(certFile.get().toFile(), keyFile.orElseThrow().toFile());
      }
      return Optional.of(new Client(caFile, certFile, b.build()));
    } catch (Exception e) {
      throw new UsageException(
          "flags --tls-ca"
              + (certFile.isPresent() ? ", --tls-cert, --tls-key" : "")
              + ": cannot make a TLS client of "
              + caFile
              + certFile.map(c -> " and " + c + " with " + keyFile.orElseThrow()).orElse("")
              + ": "
              + Cli.message(e));
    }
  }

  /** A channel to a master at {@code target} ({@code host:port}): TLS if given, else plaintext. */
  public static ManagedChannel channel(String target, Optional<Client> tls) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target);
    if (tls.isPresent()) {
      b.sslContext(tls.get().context());
    } else {
      b.usePlaintext();
    }
    return b.build();
  }

  /** A file of PEM certificates; the error names the flag and the file. */
  private static Path certificates(String flag, String name, String what) {
    Path file = Path.of(name);
    String text = read(flag, file, what + " in PEM");
    if (!text.contains(CERT_BEGIN)) {
      throw new UsageException(
          "flag --"
              + flag
              + ": "
              + file
              + " holds no certificate; expected "
              + what
              + " in PEM ("
              + CERT_BEGIN
              + ")");
    }
    return file;
  }

  /** A file with a PKCS#8 PEM private key; the error names the flag and the file, never a byte. */
  private static Path pkcs8(String flag, String name) {
    Path file = Path.of(name);
    String text = read(flag, file, "a PKCS#8 private key in PEM");
    if (text.contains("-----BEGIN PRIVATE KEY-----")) {
      return file;
    }
    String convert =
        "; convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key-pkcs8.pem";
    if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw new UsageException(
          "flag --"
              + flag
              + ": "
              + file
              + " is an encrypted key; masterha reads unencrypted PKCS#8 keys (keep the file"
              + " readable by the process's user only)"
              + convert);
    }
    Matcher other = OTHER_KEY.matcher(text);
    if (other.find()) {
      throw new UsageException(
          "flag --"
              + flag
              + ": "
              + file
              + " holds a key that is not PKCS#8 (BEGIN "
              + other.group(1)
              + "); expected BEGIN PRIVATE KEY"
              + convert);
    }
    throw new UsageException(
        "flag --"
            + flag
            + ": "
            + file
            + " holds no private key; expected a PKCS#8 key in PEM (-----BEGIN PRIVATE KEY-----)");
  }

  private static String read(String flag, Path file, String expected) {
    if (!Files.exists(file)) {
      throw new UsageException(
          "flag --" + flag + ": file " + file + " does not exist; expected " + expected);
    }
    if (Files.isDirectory(file)) {
      throw new UsageException(
          "flag --" + flag + ": " + file + " is a directory; expected a file with " + expected);
    }
    if (!Files.isReadable(file)) {
      throw new UsageException(
          "flag --"
              + flag
              + ": file "
              + file
              + " cannot be read by this user; check its permissions");
    }
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UsageException(
          "flag --" + flag + ": file " + file + " cannot be read: " + e.getMessage());
    }
  }
}
