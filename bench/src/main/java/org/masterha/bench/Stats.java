package org.masterha.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples and their percentiles (nearest rank). */
final class Stats {
  private final List<Double> values = new ArrayList<>();

  void add(double v) {
    values.add(v);
  }

  int count() {
    return values.size();
  }

  Double percentile(double p) {
    if (values.isEmpty()) {
      return null;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  Double max() {
    return values.isEmpty() ? null : Collections.max(values);
  }

  Double mean() {
    return values.isEmpty()
        ? null
        : values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }
}
