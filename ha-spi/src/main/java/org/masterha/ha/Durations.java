package org.masterha.ha;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.masterha.ha.error.HaConfigException;

/**
 * Durations as operators write them: {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, or {@code
 * PT10S}.
 */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {}

  public static Duration parse(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new HaConfigException(
          what + " is empty; expected a duration such as 500ms, 10s, 2m or 1h");
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(t);
    if (m.matches()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw new HaConfigException(what + " '" + text + "' is too large");
      }
      try {
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      } catch (ArithmeticException e) {
        throw new HaConfigException(what + " '" + text + "' is too large");
      }
    }
    try {
      return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new HaConfigException(
          what + " '" + text + "' is not a duration; expected e.g. 500ms, 10s, 2m, 1h or PT10S");
    }
  }

  /**
   * The shortest of {@code 1500ms}, {@code 10s}, {@code 2m}, {@code 1h} that is exact, or the
   * ISO-8601 form ({@code PT0.0000015S}) when none is: {@link #parse} reads every result back to
   * the same duration.
   */
  public static String format(Duration d) {
    long seconds = d.getSeconds();
    int nanos = d.getNano();
    if (nanos % 1_000_000 != 0) {
      return d.toString();
    }
    // Whole seconds are handled without toMillis(), which overflows for durations beyond ~292
    // million years.
    if (nanos == 0) {
      if (seconds > 0 && seconds % 3600 == 0) {
        return seconds / 3600 + "h";
      }
      if (seconds > 0 && seconds % 60 == 0) {
        return seconds / 60 + "m";
      }
      return seconds + "s";
    }
    try {
      return d.toMillis() + "ms";
    } catch (ArithmeticException e) {
      return d.toString();
    }
  }
}
