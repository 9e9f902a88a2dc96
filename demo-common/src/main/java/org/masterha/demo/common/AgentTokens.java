package org.masterha.demo.common;

import io.grpc.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.masterha.ha.Secret;
import org.masterha.ha.error.HaConfigException;

/**
 * The token agents present to masters: read from a file or an environment variable (never from a
 * flag's value, which every user of the host can read in {@code ps}), held as a {@link Secret}
 * (prints as {@code ****}), sent as the gRPC header {@code authorization: Bearer <token>} on {@code
 * Register} and {@code Heartbeat}, and compared in constant time. No error message names a token or
 * a part of one.
 */
public final class AgentTokens {
  private AgentTokens() {}

  /** The gRPC metadata header carrying the token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  public static final String BEARER = "Bearer ";

  /**
   * Defines {@code --<prefix>-file} and {@code --<prefix>-env}, and refuses {@code --<prefix>} with
   * the reason.
   */
  public static Flags.Builder define(Flags.Builder b, String prefix, String what) {
    return b.value(prefix + "-file", "PATH", "file holding " + what + " (one line)", null)
        .value(prefix + "-env", "VAR", "environment variable holding " + what, null)
        .refuse(
            prefix,
            "a token on the command line can be read by every user of the host (ps, /proc) and"
                + " stays in the shell's history; give it in a file, --"
                + prefix
                + "-file=PATH, or an environment variable, --"
                + prefix
                + "-env=VAR");
  }

  /** The token the {@link #define}d flags name, if any; a usage error names the flag, never it. */
  public static Optional<Secret> read(Flags.Parsed p, String prefix) {
    return read(p, prefix, System.getenv());
  }

  static Optional<Secret> read(Flags.Parsed p, String prefix, Map<String, String> env) {
    String fileFlag = prefix + "-file";
    String envFlag = prefix + "-env";
    if (p.given(fileFlag) && p.given(envFlag)) {
      throw new UsageException(
          "flags --" + fileFlag + " and --" + envFlag + " both give the token; give one of them");
    }
    if (p.given(fileFlag)) {
      Path file = Path.of(p.get(fileFlag).orElseThrow());
      return Optional.of(check(fileFlag, "the token in " + file, fromFile(fileFlag, file)));
    }
    if (p.given(envFlag)) {
      String var = p.get(envFlag).orElseThrow().strip();
      String value = env.get(var);
      if (value == null) {
        throw new UsageException(
            "flag --" + envFlag + ": environment variable " + var + " is not set");
      }
      return Optional.of(check(envFlag, "the token in " + var, value.strip()));
    }
    return Optional.empty();
  }

  private static String fromFile(String flag, Path file) {
    if (!Files.exists(file)) {
      throw new UsageException(
          "flag --" + flag + ": file " + file + " does not exist; expected the token on one line");
    }
    if (Files.isDirectory(file)) {
      throw new UsageException(
          "flag --" + flag + ": " + file + " is a directory; expected a file with the token");
    }
    if (!Files.isReadable(file)) {
      throw new UsageException(
          "flag --"
              + flag
              + ": file "
              + file
              + " cannot be read by this user; check its permissions");
    }
    List<String> lines;
    try {
      lines =
          Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream()
              .map(String::strip)
              .filter(l -> !l.isEmpty())
              .toList();
    } catch (IOException e) {
      throw new UsageException(
          "flag --" + flag + ": file " + file + " cannot be read: " + e.getMessage());
    }
    if (lines.size() > 1) {
      throw new UsageException(
          "flag --"
              + flag
              + ": file "
              + file
              + " has more than one line; expected the token alone");
    }
    return lines.isEmpty() ? "" : lines.get(0);
  }

  private static Secret check(String flag, String where, String token) {
    if (token.isEmpty()) {
      throw new UsageException("flag --" + flag + ": " + where + " is empty");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new UsageException(
            "flag --"
                + flag
                + ": "
                + where
                + " has a character that cannot go in a gRPC header at position "
                + i
                + "; accepted: visible ASCII, no spaces");
      }
    }
    try {
      return Secret.of(token);
    } catch (HaConfigException e) {
      throw new UsageException("flag --" + flag + ": " + e.getMessage());
    }
  }

  /** The header value carrying {@code token}. */
  public static String header(Secret token) {
    return BEARER + token.reveal();
  }

  /**
   * Whether {@code header} (the {@code authorization} value a client sent, maybe null) carries
   * {@code token}. Both are hashed first and the hashes compared with {@link
   * MessageDigest#isEqual}, so the time taken says nothing about the token, not even its length.
   */
  public static boolean matches(String header, Secret token) {
    if (header == null || !header.startsWith(BEARER)) {
      return false;
    }
    byte[] given = sha256(header.substring(BEARER.length()));
    byte[] expected = sha256(token.reveal());
    return MessageDigest.isEqual(given, expected);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
