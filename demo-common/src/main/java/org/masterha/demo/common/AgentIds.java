package org.masterha.demo.common;

import java.util.Optional;

/**
 * What an agent may be called. An id ends up in logs, events, the replicated registry and other
 * agents' answers, so it is bounded and printable: a NUL byte or a newline would forge or cut log
 * lines and event records.
 */
public final class AgentIds {
  public static final int MAX_LENGTH = 128;
  public static final String RULE =
      "1 to "
          + MAX_LENGTH
          + " visible ASCII characters (letters, digits, punctuation; no spaces or control characters)";

  private AgentIds() {}

  /** Why {@code id} is refused, or empty when it is accepted. */
  public static Optional<String> problem(String id) {
    if (id.isEmpty()) {
      return Optional.of("agent id is required; accepted: " + RULE);
    }
    if (id.length() > MAX_LENGTH) {
      return Optional.of(
          "agent id of " + id.length() + " characters is too long; accepted: " + RULE);
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return Optional.of(
            "agent id '"
                + printable(id)
                + "' has "
                + String.format("U+%04X", (int) c)
                + " at position "
                + i
                + "; accepted: "
                + RULE);
      }
    }
    return Optional.empty();
  }

  /** The id with every character outside visible ASCII written as \\uXXXX, for messages. */
  public static String printable(String id) {
    StringBuilder out = new StringBuilder();
    id.codePoints()
        .limit(MAX_LENGTH)
        .forEach(
            c -> {
              if (c >= 0x21 && c <= 0x7e) {
                out.append((char) c);
              } else {
                out.append(String.format("\\u%04X", c));
              }
            });
    return out.toString();
  }
}
