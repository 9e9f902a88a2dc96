package org.masterha.demo.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackend;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaUrl;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.BackendNotFoundException;
import org.masterha.ha.error.HaConfigException;

/**
 * The flags every process that talks to the coordination store shares, turned into an {@link
 * HaConfig}. The backend comes from {@code --ha-backend} or the URL's scheme; a contradiction
 * between them is a usage error. Secrets are read from a file or an environment variable so they
 * never sit on a command line.
 */
public final class HaFlags {
  /** A URL of this form names a file that holds the HA URL, as Mesos' --zk=file:///path. */
  static final String FILE_URL_PREFIX = "file://";

  public static final String STANDALONE_DEFAULT_URL = "standalone:///masterha";

  private HaFlags() {}

  public static Flags.Builder define(Flags.Builder b, String defaultSessionTimeout) {
    return b.value(
            "ha-url",
            "URL",
            "the coordination store and base path: zk://host:port[,host:port]/path, etcd://..., consul://..., raft://..., standalone:///path; or file:///PATH, a file holding that URL (Mesos' --zk=file://)",
            null)
        .value(
            "ha-backend",
            "NAME",
            "the HA backend: zookeeper, etcd, consul, raft or standalone (default: implied by the URL's scheme)",
            null)
        .value(
            "session-timeout",
            "DURATION",
            "how long a crashed leader keeps the leadership, e.g. 10s or 500ms",
            defaultSessionTimeout)
        .value(
            "ha-credentials-file",
            "PATH",
            "file holding user:password (or a token) for the store",
            null)
        .value(
            "ha-credentials-env",
            "VAR",
            "environment variable holding user:password (or a token) for the store",
            null)
        .value("ha-tls-ca", "PATH", "PEM file of the CA that signs the store's certificates", null)
        .value(
            "ha-tls-cert",
            "PATH",
            "PEM client certificate for mutual TLS (with --ha-tls-key)",
            null)
        .value(
            "ha-tls-key",
            "PATH",
            "PEM client private key for mutual TLS (with --ha-tls-cert)",
            null);
  }

  /** Whether an HA URL or backend was given at all. */
  public static boolean given(Flags.Parsed p) {
    return p.given("ha-url") || p.given("ha-backend");
  }

  /**
   * The config the flags describe, checked against the backends on the classpath: an unknown
   * backend, a scheme no backend serves and a backend that contradicts the URL's scheme all fail
   * here, before anything starts.
   */
  public static HaConfig config(Flags.Parsed p, Optional<String> urlOverride, HaBackends backends) {
    Optional<String> backend = p.get("ha-backend").map(String::strip);
    String url =
        urlOverride
            .or(() -> p.get("ha-url"))
            .or(
                () ->
                    backend.filter("standalone"::equalsIgnoreCase).map(b -> STANDALONE_DEFAULT_URL))
            .orElseThrow(
                () ->
                    new UsageException(
                        "flag --ha-url is required, e.g. --ha-url=zk://127.0.0.1:2181/mesos"));
    HaConfig.Builder b = HaConfig.builder();
    String urlSource = "flag --ha-url";
    if (url.strip().startsWith(FILE_URL_PREFIX)) {
      Path file = Path.of(url.strip().substring(FILE_URL_PREFIX.length()));
      url = urlFromFile(file);
      urlSource = "flag --ha-url: the URL in " + file;
    }
    HaUrl haUrl;
    try {
      haUrl = HaUrl.parse(url);
    } catch (HaConfigException e) {
      throw new UsageException(urlSource + ": " + e.getMessage());
    }
    b.url(haUrl);
    backend.ifPresent(
        name -> {
          try {
            b.backend(name);
          } catch (HaConfigException e) {
            throw new UsageException("flag --ha-backend: " + e.getMessage());
          }
        });
    Duration timeout =
        p.duration("session-timeout", HaConfig.MIN_SESSION_TIMEOUT, HaConfig.MAX_SESSION_TIMEOUT);
    b.sessionTimeout(timeout);
    if (p.given("ha-credentials-file") && p.given("ha-credentials-env")) {
      throw new UsageException(
          "flags --ha-credentials-file and --ha-credentials-env both give credentials; give one of them");
    }
    Optional<String> separately =
        p.given("ha-credentials-file")
            ? Optional.of("--ha-credentials-file")
            : p.given("ha-credentials-env")
                ? Optional.of("--ha-credentials-env")
                : Optional.empty();
    if (separately.isPresent() && haUrl.credentials().isPresent()) {
      throw new UsageException(
          "the HA URL carries credentials (user:password@) and flag "
              + separately.get()
              + " gives them too; give them one way: in the URL, or (kept off the command line) with "
              + separately.get());
    }
    try {
      p.get("ha-credentials-file")
          .ifPresent(f -> b.credentials(Credentials.fromFile(readable(Path.of(f)))));
    } catch (HaConfigException e) {
      throw new UsageException("flag --ha-credentials-file: " + e.getMessage());
    }
    try {
      p.get("ha-credentials-env").ifPresent(v -> b.credentials(Credentials.fromEnvironment(v)));
    } catch (HaConfigException e) {
      throw new UsageException("flag --ha-credentials-env: " + e.getMessage());
    }
    if (p.given("ha-tls-ca") || p.given("ha-tls-cert") || p.given("ha-tls-key")) {
      try {
        TlsOptions.Builder tls = TlsOptions.builder();
        p.get("ha-tls-ca").ifPresent(f -> tls.trustedCa(Path.of(f)));
        p.get("ha-tls-cert").ifPresent(f -> tls.clientCertificate(Path.of(f)));
        p.get("ha-tls-key").ifPresent(f -> tls.clientKey(Path.of(f)));
        b.tls(tls.build());
      } catch (HaConfigException e) {
        throw new UsageException("TLS flags: " + e.getMessage());
      }
    }
    HaConfig config;
    try {
      config = b.build();
    } catch (HaConfigException e) {
      throw new UsageException(e.getMessage());
    }
    HaBackend resolved;
    try {
      resolved = backends.resolve(config);
    } catch (BackendNotFoundException e) {
      throw new UsageException(
          (p.given("ha-backend") ? "flag --ha-backend: " : "flag --ha-url: ") + e.getMessage());
    } catch (HaConfigException e) {
      throw new UsageException("flags --ha-backend and --ha-url disagree: " + e.getMessage());
    }
    if (config.backend().isPresent()) {
      return config;
    }
    // Name the backend explicitly from here on, so logs say which one is in use. The same builder,
    // not
    // config.toBuilder(): that one copies the URL's credentials as if they had been given
    // separately.
    return b.backend(resolved.name()).build();
  }

  /**
   * The credentials file, checked here so that the error says what is wrong in words, not as an
   * exception name.
   */
  /**
   * Mesos' indirection ({@code --zk=file:///etc/mesos/zk}): the URL is read from a file, so a URL
   * with credentials stays out of {@code ps} and shell history. The file holds one URL (blank lines
   * and lines starting with # are skipped); the URL itself is never echoed in an error, since it
   * may carry a password.
   */
  static String urlFromFile(Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new UsageException(
          "flag --ha-url: file "
              + file
              + (Files.isDirectory(file)
                  ? " is a directory"
                  : Files.exists(file) ? " cannot be read by this user" : " does not exist")
              + "; file:///PATH names a file holding the HA URL, e.g. zk://user:secret@zk1:2181/mesos");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      throw new UsageException(
          "flag --ha-url: file "
              + file
              + " could not be read as UTF-8 text: "
              + e.getClass().getSimpleName());
    }
    List<String> urls =
        lines.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    if (urls.size() != 1) {
      throw new UsageException(
          "flag --ha-url: file "
              + file
              + (urls.isEmpty() ? " holds no URL" : " holds " + urls.size() + " lines")
              + "; expected exactly one HA URL line, e.g. zk://user:secret@zk1:2181/mesos");
    }
    if (urls.get(0).startsWith(FILE_URL_PREFIX)) {
      throw new UsageException(
          "flag --ha-url: file " + file + " names another file; it must hold the HA URL itself");
    }
    return urls.get(0);
  }

  private static Path readable(Path file) {
    if (!Files.exists(file)) {
      throw new HaConfigException(
          "credentials file "
              + file
              + " does not exist; expected a file with one line, user:password or a token");
    }
    if (Files.isDirectory(file)) {
      throw new HaConfigException(
          "credentials file "
              + file
              + " is a directory; expected a file with one line, user:password or a token");
    }
    if (!Files.isReadable(file)) {
      throw new HaConfigException(
          "credentials file " + file + " cannot be read by this user; check its permissions");
    }
    return file;
  }
}
