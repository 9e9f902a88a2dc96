package org.masterha.consul;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Consul writes and reads them: Go's {@code time.Duration} text ({@code 10s}, {@code
 * 1m30s}, {@code 1.5s}, {@code 500ms}) and, in some JSON fields, a bare number of nanoseconds.
 */
final class GoDurations {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  private GoDurations() {}

  /**
   * Parses Go duration text such as {@code 10s} or {@code 1m0s}; throws IllegalArgumentException
   * otherwise.
   */
  static Duration parse(String text) {
    String t = text.strip();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    boolean negative = t.startsWith("-");
    if (negative || t.startsWith("+")) {
      t = t.substring(1);
    }
    if (t.isEmpty()) {
      throw new IllegalArgumentException("not a Go duration: '" + text + "'");
    }
    Matcher m = PART.matcher(t);
    int at = 0;
    long nanos = 0;
    while (at < t.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("not a Go duration: '" + text + "'");
      }
      double value = Double.parseDouble(m.group(1));
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos += Math.round(value * unit);
      at = m.end();
    }
    return Duration.ofNanos(negative ? -nanos : nanos);
  }

  /**
   * Text Consul's {@code time.ParseDuration} accepts, exact to the millisecond: {@code 2s}, {@code
   * 2500ms}.
   */
  static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
