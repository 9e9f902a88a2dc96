package org.masterha.ha;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.masterha.ha.error.HaConfigException;

/**
 * What a client presents to the store: a user name with a password (ZooKeeper digest, etcd auth) or
 * a bare token (a Consul ACL token). They can come from the URL's user info, a file or an
 * environment variable, so that a secret never has to appear on a command line. {@code toString()}
 * masks the secret.
 */
public final class Credentials {
  private final Optional<String> username;
  private final Secret secret;

  private Credentials(Optional<String> username, Secret secret) {
    this.username = username;
    this.secret = Objects.requireNonNull(secret, "secret");
  }

  public static Credentials password(String username, Secret password) {
    Objects.requireNonNull(username, "username");
    if (username.isEmpty()) {
      throw new HaConfigException("a user name must not be empty");
    }
    if (username.indexOf(':') >= 0) {
      throw new HaConfigException("a user name must not contain ':' (got a name with one)");
    }
    return new Credentials(Optional.of(username), password);
  }

  public static Credentials token(Secret token) {
    return new Credentials(Optional.empty(), token);
  }

  /**
   * Parses {@code user:password}, or a bare token when there is no colon. Leading and trailing
   * white space (a file's final newline) is dropped.
   */
  public static Credentials parse(String text, String origin) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new HaConfigException(origin + " is empty; expected 'user:password' or a token");
    }
    if (trimmed.indexOf('\n') >= 0) {
      throw new HaConfigException(
          origin + " has more than one line; expected 'user:password' or a token on one line");
    }
    int colon = trimmed.indexOf(':');
    if (colon < 0) {
      return token(Secret.of(trimmed));
    }
    if (colon == 0 || colon == trimmed.length() - 1) {
      throw new HaConfigException(
          origin + " has an empty user name or password; expected 'user:password'");
    }
    return password(trimmed.substring(0, colon), Secret.of(trimmed.substring(colon + 1)));
  }

  /** Reads {@code user:password} or a token from a file. */
  public static Credentials fromFile(Path file) {
    String origin = "credentials file " + file;
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), origin);
    } catch (IOException e) {
      throw new HaConfigException(origin + " cannot be read: " + e.getClass().getSimpleName(), e);
    }
  }

  /** Reads {@code user:password} or a token from an environment variable. */
  public static Credentials fromEnvironment(String variable) {
    return fromEnvironment(variable, System.getenv());
  }

  static Credentials fromEnvironment(String variable, Map<String, String> environment) {
    String value = environment.get(variable);
    if (value == null) {
      throw new HaConfigException(
          "environment variable "
              + variable
              + " is not set; it should hold 'user:password' or a token");
    }
    return parse(value, "environment variable " + variable);
  }

  /** Present for user/password credentials, empty for a bare token. */
  public Optional<String> username() {
    return username;
  }

  /** The password, or the token. */
  public Secret secret() {
    return secret;
  }

  public boolean isToken() {
    return username.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Credentials c && c.username.equals(username) && c.secret.equals(secret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(username, secret);
  }

  @Override
  public String toString() {
    return username
        .map(u -> "Credentials[user=" + u + ", password=" + secret + "]")
        .orElse("Credentials[token=" + secret + "]");
  }
}
