package org.masterha.consul.fake;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Go's {@code time.ParseDuration} and {@code time.Duration.String()}, because Consul speaks Go
 * durations on the wire: session TTLs ("10s"), lock delays ("15s"), the {@code ?wait=} parameter,
 * its error texts ("must be between [10s=24h0m0s]") and {@code DebugConfig} ("SessionTTLMin":
 * "0s"). A Java {@link Duration#toString()} ("PT10S") would be visibly not-Consul.
 */
final class GoDuration {

  private static final Map<String, Long> UNIT_NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "\u00b5s", 1_000L, // micro sign
          "\u03bcs", 1_000L, // Greek mu
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /** Parses like Go's {@code time.ParseDuration}; the exception message is Go's error text. */
  static long parseNanos(String s) {
    String orig = s;
    int i = 0;
    boolean negative = false;
    if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    if (s.substring(i).equals("0")) {
      return 0;
    }
    if (i == s.length()) {
      throw invalid(orig);
    }
    BigInteger total = BigInteger.ZERO;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      boolean pre = i > start;
      String intPart = s.substring(start, i);
      String fracPart = "";
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fracStart = i;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
          i++;
        }
        fracPart = s.substring(fracStart, i);
      }
      if (!pre && fracPart.isEmpty()) {
        throw invalid(orig); // no digits, e.g. ".s"
      }
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !Character.isDigit(s.charAt(i))) {
        i++;
      }
      if (unitStart == i) {
        throw new IllegalArgumentException("time: missing unit in duration " + GoText.quote(orig));
      }
      String unit = s.substring(unitStart, i);
      Long unitNanos = UNIT_NANOS.get(unit);
      if (unitNanos == null) {
        throw new IllegalArgumentException(
            "time: unknown unit " + GoText.quote(unit) + " in duration " + GoText.quote(orig));
      }
      BigDecimal value =
          new BigDecimal(
              (intPart.isEmpty() ? "0" : intPart) + (fracPart.isEmpty() ? "" : "." + fracPart));
      total = total.add(value.multiply(BigDecimal.valueOf(unitNanos)).toBigInteger());
      if (total.bitLength() > 63) {
        throw invalid(orig);
      }
    }
    return negative ? -total.longValueExact() : total.longValueExact();
  }

  static Duration parse(String s) {
    return Duration.ofNanos(parseNanos(s));
  }

  private static IllegalArgumentException invalid(String orig) {
    return new IllegalArgumentException("time: invalid duration " + GoText.quote(orig));
  }

  /** Formats like Go's {@code time.Duration.String()}: "0s", "500ms", "10s", "1m30s", "24h0m0s". */
  static String format(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    BigInteger u = BigInteger.valueOf(nanos).abs();
    if (nanos < 0) {
      out.append('-');
    }
    BigInteger second = BigInteger.valueOf(1_000_000_000L);
    if (u.compareTo(second) < 0) {
      long v = u.longValue();
      if (v < 1_000L) {
        return out.append(v).append("ns").toString();
      } else if (v < 1_000_000L) {
        return out.append(fraction(v, 3)).append("\u00b5s").toString();
      } else {
        return out.append(fraction(v, 6)).append("ms").toString();
      }
    }
    BigInteger[] minutesAndNanos = u.divideAndRemainder(BigInteger.valueOf(60_000_000_000L));
    String seconds = fraction(minutesAndNanos[1].longValue(), 9) + "s";
    long minutes = minutesAndNanos[0].longValue();
    if (minutes == 0) {
      return out.append(seconds).toString();
    }
    long hours = minutes / 60;
    if (hours > 0) {
      out.append(hours).append('h');
    }
    return out.append(minutes % 60).append('m').append(seconds).toString();
  }

  static String format(Duration d) {
    return format(d.toNanos());
  }

  /**
   * {@code v} scaled down by 10^digits, trailing zeros (and a bare point) dropped, as Go prints.
   */
  private static String fraction(long v, int digits) {
    BigDecimal scaled = BigDecimal.valueOf(v).movePointLeft(digits).stripTrailingZeros();
    return scaled.scale() <= 0 ? scaled.toBigInteger().toString() : scaled.toPlainString();
  }
}
