package org.masterha.zookeeper;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.common.NettyUtils;
import org.apache.zookeeper.common.X509Exception;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;

/**
 * TLS to ZooKeeper for one session: the {@link ZKClientConfig} that makes ZooKeeper's client speak
 * TLS over its Netty socket with the session's PEM files, and a probe that tells why the client
 * cannot connect when TLS is the reason.
 *
 * <p>Everything goes through the session's own client config, never through JVM-wide system
 * properties (ZooKeeper's usual way), so two sessions in one JVM can use different material, and
 * every TLS key is set explicitly so a {@code zookeeper.ssl.*} system property cannot leak in.
 *
 * <p>ZooKeeper reads a PEM key store as one file holding the certificate chain and the private key;
 * when they are two files, the session writes both into one file of its own (owner-only, in a
 * directory of its own) and deletes it on {@link #close()}.
 *
 * <p>ZooKeeper's client retries a refused handshake forever with nothing but a log line, so while
 * the session cannot connect, {@link #probe} does one handshake of its own with the same material
 * and reports a TLS failure; the session then fails with it (a CA or certificate the servers refuse
 * is not fixed by retrying).
 */
final class ZooKeeperTls implements AutoCloseable {
  /** How long a probe waits for the handshake and the server's first answer. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  private static final String KEY_STORE_NAME = "client-keystore.pem";

  private final TlsOptions options;
  private final Optional<Path> keyStoreDir;
  private final Optional<Path> keyStore;
  private final ZKClientConfig clientConfig;

  private ZooKeeperTls(TlsOptions options) {
    this.options = options;
    Optional<Path> dir = Optional.empty();
    Optional<Path> store = Optional.empty();
    if (options.clientCertificate().isPresent()) {
      Path cert = options.clientCertificate().get();
      Path key = options.clientKey().orElseThrow();
      if (cert.equals(key)) {
        store = Optional.of(cert);
      } else {
        dir = Optional.of(privateDirectory());
        try {
          store = Optional.of(combined(dir.get(), cert, key));
        } catch (HaConfigException e) {
          dir.get().resolve(KEY_STORE_NAME).toFile().delete();
          dir.get().toFile().delete();
          throw e;
        }
      }
    }
    this.keyStoreDir = dir;
    this.keyStore = store;
    this.clientConfig = newClientConfig();
    try {
      // Reads every file now, so a bad one is reported when the session opens, not retried forever.
      sslContext();
    } catch (HaConfigException e) {
      close();
      throw e;
    }
  }

  /** Checks the files and prepares the client config; the caller closes it. */
  static ZooKeeperTls of(TlsOptions options) {
    return new ZooKeeperTls(options);
  }

  /**
   * ZooKeeper's client config for this session: the Netty socket with TLS, PEM trust and key
   * stores. Curator gives it to every ZooKeeper handle it makes for the session.
   */
  ZKClientConfig clientConfig() {
    return clientConfig;
  }

  private ZKClientConfig newClientConfig() {
    ZKClientConfig config = new ZKClientConfig();
    try (ClientX509Util x509 = new ClientX509Util()) {
      config.setProperty(
          ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
      config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
      config.setProperty(x509.getSslProviderProperty(), "JDK");
      config.setProperty(
          x509.getSslTruststoreLocationProperty(),
          options.trustedCa().map(Path::toString).orElse(""));
      config.setProperty(x509.getSslTruststoreTypeProperty(), "PEM");
      config.setProperty(x509.getSslTruststorePasswdProperty(), "");
      config.setProperty(x509.getSslTruststorePasswdPathProperty(), "");
      config.setProperty(
          x509.getSslKeystoreLocationProperty(), keyStore.map(Path::toString).orElse(""));
      config.setProperty(x509.getSslKeystoreTypeProperty(), "PEM");
      config.setProperty(x509.getSslKeystorePasswdProperty(), "");
      config.setProperty(x509.getSslKeystorePasswdPathProperty(), "");
      config.setProperty(x509.getSslContextSupplierClassProperty(), "");
      // The servers' certificates must name the host the connect string gives (IP or DNS SAN).
      config.setProperty(x509.getSslHostnameVerificationEnabledProperty(), "true");
    }
    return config;
  }

  private SslContext sslContext() {
    try (ClientX509Util x509 = new ClientX509Util()) {
      return x509.createNettySslContextForClient(clientConfig);
    } catch (X509Exception | SSLException | RuntimeException e) {
      throw new HaConfigException(
          "the TLS settings "
              + options
              + " cannot be used for ZooKeeper: "
              + rootMessage(e)
              + " (accepted: PEM files; the key an unencrypted PKCS#8 PEM key, 'BEGIN PRIVATE KEY'; "
              + "convert one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem)",
          e);
    }
  }

  /**
   * One TLS handshake with each server, the way ZooKeeper's client makes it, followed by a {@code
   * srvr} so that a server requiring a client certificate answers or refuses within the probe (with
   * TLS 1.3 a client learns that its certificate was refused only on its first read). Blocks for at
   * most a few seconds per server; not on the event thread.
   *
   * @return why TLS fails, if every server that answered refused the handshake; empty if one
   *     accepted it or none could be reached
   */
  Optional<String> probe(List<InetSocketAddress> servers) {
    SslContext ssl;
    try {
      ssl = sslContext();
    } catch (HaConfigException e) {
      return Optional.of(e.getMessage());
    }
    String refusal = null;
    EventLoopGroup group = NettyUtils.newNioOrEpollEventLoopGroup(1);
    try {
      for (InetSocketAddress server : servers) {
        Outcome outcome = probe(group, ssl, server);
        if (outcome.accepted()) {
          return Optional.empty();
        }
        if (outcome.tlsFailure() != null && refusal == null) {
          refusal =
              "TLS with ZooKeeper server "
                  + server.getHostString()
                  + ":"
                  + server.getPort()
                  + " failed: "
                  + outcome.tlsFailure()
                  + "; check that the URL names the servers' secureClientPort, that the TLS CA ("
                  + options.trustedCa().map(Path::toString).orElse("the JVM's default trust store")
                  + ") signs their certificates and that they accept the client certificate ("
                  + options.clientCertificate().map(Path::toString).orElse("none given")
                  + ")";
        }
      }
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }
    return Optional.ofNullable(refusal);
  }

  /** What one probe found: the server took TLS, refused it (with why), or gave no answer. */
  private record Outcome(boolean accepted, String tlsFailure) {
    static final Outcome ACCEPTED = new Outcome(true, null);
    static final Outcome NO_ANSWER = new Outcome(false, null);
  }

  private static Outcome probe(EventLoopGroup group, SslContext ssl, InetSocketAddress server) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NettyUtils.nioOrEpollSocketChannel())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(PROBE_TIMEOUT.toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            ssl.newHandler(ch.alloc(), server.getHostString(), server.getPort()))
                        .addLast(new ProbeHandler(outcome));
                  }
                });
    Channel channel = null;
    try {
      io.netty.channel.ChannelFuture connect = bootstrap.connect(server);
      channel = connect.channel();
      connect.addListener(
          f -> {
            if (!f.isSuccess()) {
              outcome.complete(Outcome.NO_ANSWER);
            }
          });
      return outcome.get(PROBE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.NO_ANSWER;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Outcome.NO_ANSWER;
    } finally {
      if (channel != null) {
        channel.close();
      }
    }
  }

  private static final class ProbeHandler extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Outcome> outcome;

    ProbeHandler(CompletableFuture<Outcome> outcome) {
      this.outcome = outcome;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent handshake) {
        if (handshake.isSuccess()) {
          ctx.writeAndFlush(Unpooled.copiedBuffer("srvr", StandardCharsets.US_ASCII));
        } else {
          outcome.complete(failure(handshake.cause()));
          ctx.close();
        }
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      outcome.complete(Outcome.ACCEPTED);
      ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      outcome.complete(failure(cause));
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      outcome.complete(Outcome.NO_ANSWER);
    }
  }

  private static Outcome failure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return new Outcome(false, rootMessage(t));
      }
    }
    return Outcome.NO_ANSWER;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    String message = e.toString();
    while (t != null) {
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return message;
  }

  private static Path privateDirectory() {
    try {
      return Files.createTempDirectory(
          "masterha-zk-tls-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      try {
        return Files.createTempDirectory("masterha-zk-tls-");
      } catch (IOException io) {
        throw new UncheckedIOException(io);
      }
    } catch (IOException e) {
      throw new HaConfigException(
          "cannot make a private directory for the ZooKeeper TLS key store: " + e.getMessage(), e);
    }
  }

  /** The certificate chain and the key in one owner-only PEM file, as ZooKeeper reads them. */
  private static Path combined(Path dir, Path cert, Path key) {
    Path file = dir.resolve(KEY_STORE_NAME);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      try {
        Files.createFile(file);
      } catch (IOException io) {
        throw new HaConfigException("cannot write the ZooKeeper TLS key store: " + io, io);
      }
    } catch (FileAlreadyExistsException e) {
      throw new HaConfigException("the ZooKeeper TLS key store " + file + " exists already", e);
    } catch (IOException e) {
      throw new HaConfigException("cannot write the ZooKeeper TLS key store: " + e, e);
    }
    try {
      String certificate = Files.readString(cert, StandardCharsets.ISO_8859_1);
      String privateKey = Files.readString(key, StandardCharsets.ISO_8859_1);
      Files.writeString(
          file,
          certificate + (certificate.endsWith("\n") ? "" : "\n") + privateKey,
          StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new HaConfigException(
          "cannot read the TLS client certificate " + cert + " or its key: " + e.getMessage(), e);
    }
    return file;
  }

  /** Deletes the combined key store, if the session made one. */
  @Override
  public void close() {
    keyStoreDir.ifPresent(
        dir -> {
          keyStore.ifPresent(file -> file.toFile().delete());
          dir.toFile().delete();
        });
  }
}
