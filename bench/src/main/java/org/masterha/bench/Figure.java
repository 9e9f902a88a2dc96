package org.masterha.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One measured figure on one store: masterha's value, the raw recipe's, and the target masterha is
 * held to. Lower is better for every figure. {@code target} is an absolute bound (null: none);
 * every masterha figure is also held to {@link #RATIO_TARGET} times the raw recipe's.
 */
record Figure(
    String store,
    String scenario,
    String figure,
    String unit,
    Double masterha,
    Double raw,
    String rawRecipe,
    Double target,
    String note) {

  static final double RATIO_TARGET = 1.1;

  /**
   * A difference below this is noise, whatever the ratio: half a millisecond, a hundredth of a
   * session timeout, a twentieth of a request per second, half a request, KiB or thread.
   */
  double noise() {
    return switch (unit) {
      case "x session timeout" -> 0.01;
      case "req/s" -> 0.05;
      default -> 0.5;
    };
  }

  Double ratio() {
    if (masterha == null || raw == null || raw == 0) {
      return null;
    }
    return masterha / raw;
  }

  /** PASS, MISS (with why) or "" when there is nothing to hold masterha's figure to. */
  String verdict() {
    if (masterha == null) {
      return "";
    }
    List<String> misses = new ArrayList<>();
    if (target != null && masterha > target) {
      misses.add("> " + Report.number(target) + " " + unit);
    }
    Double r = ratio();
    if (r != null && r > RATIO_TARGET && masterha - raw > noise()) {
      misses.add(String.format("%.2fx raw", r));
    }
    if (target == null && r == null) {
      return "";
    }
    return misses.isEmpty() ? "PASS" : "MISS (" + String.join(", ", misses) + ")";
  }
}
