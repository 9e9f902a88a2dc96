package org.masterha.chaos.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.History;

/**
 * The figures of one checked campaign (one store), for the text and JSON reports.
 *
 * @param store the store the campaign ran against, e.g. {@code zookeeper}
 * @param seed the campaign's seed
 * @param events events in the merged history
 * @param faultsByKind fault starts per kind
 * @param leaderships tenures
 * @param writesOk acknowledged writes
 * @param writesRefused refused writes
 * @param writesUnknown writes without an answer
 * @param reads reads of the register
 * @param detectorReports detector reports (leader or no leader)
 * @param violationsByRule per rule letter "a".."g", every rule present
 * @param failovers faults after which leadership moved
 * @param worstFailoverMs the longest failover, null when there was none
 * @param p50FailoverMs the median failover (the lower one of an even count), null when none
 * @param worstLivenessGapMs the longest time from a heal to leader activity over the evaluated
 *     windows, null when none was evaluated
 */
public record Summary(
    String store,
    String seed,
    int events,
    Map<String, Integer> faultsByKind,
    int leaderships,
    int writesOk,
    int writesRefused,
    int writesUnknown,
    int reads,
    int detectorReports,
    Map<String, Integer> violationsByRule,
    int failovers,
    Double worstFailoverMs,
    Double p50FailoverMs,
    Double worstLivenessGapMs) {
  public Summary {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(seed, "seed");
    faultsByKind = Collections.unmodifiableMap(new TreeMap<>(faultsByKind));
    violationsByRule = Collections.unmodifiableMap(new TreeMap<>(violationsByRule));
  }

  /** The summary of {@code history} as checked into {@code result}. */
  public static Summary of(String store, String seed, History history, CheckResult result) {
    Map<String, Integer> faults = new TreeMap<>();
    int ok = 0;
    int refused = 0;
    int unknown = 0;
    int reads = 0;
    int detected = 0;
    for (Event e : history.events()) {
      if (e instanceof Event.Fault f && f.phase() == Event.Phase.START) {
        faults.merge(f.kind(), 1, Integer::sum);
      } else if (e instanceof Event.Write w) {
        switch (w.outcome()) {
          case OK -> ok++;
          case REFUSED -> refused++;
          case UNKNOWN -> unknown++;
        }
      } else if (e instanceof Event.Read) {
        reads++;
      } else if (e instanceof Event.Detected) {
        detected++;
      }
    }
    Map<String, Integer> byRule = new LinkedHashMap<>();
    for (Rule rule : Rule.values()) {
      byRule.put(rule.letter(), 0);
    }
    result.violations().forEach(v -> byRule.merge(v.rule().letter(), 1, Integer::sum));
    List<Double> failoverMs = new ArrayList<>();
    result.failovers().forEach(f -> failoverMs.add(f.millis()));
    Collections.sort(failoverMs);
    Double worstGap = null;
    for (LivenessWindow w : result.windows()) {
      worstGap = worstGap == null ? w.gapMillis() : Math.max(worstGap, w.gapMillis());
    }
    return new Summary(
        store,
        seed,
        history.events().size(),
        faults,
        result.tenures().size(),
        ok,
        refused,
        unknown,
        reads,
        detected,
        byRule,
        failoverMs.size(),
        failoverMs.isEmpty() ? null : failoverMs.get(failoverMs.size() - 1),
        failoverMs.isEmpty() ? null : failoverMs.get((failoverMs.size() - 1) / 2),
        worstGap);
  }

  /** Whether no rule was broken. */
  public boolean passed() {
    return violationsByRule.values().stream().allMatch(n -> n == 0);
  }

  /** This summary as a text table of one column. */
  public String toText() {
    return toText(List.of(this));
  }

  /** This summary as a JSON object. */
  public String toJson() {
    return json(this);
  }

  /** Several summaries (one per store) as one JSON array. */
  public static String toJson(List<Summary> summaries) {
    return json(List.copyOf(summaries));
  }

  private static String json(Object value) {
    // A mapper per call: reports are rendered once per campaign, and no state is shared.
    ObjectMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render a summary", e);
    }
  }

  /**
   * Several summaries as one text table: a row per figure, a column per store. Fault kinds are the
   * union over all summaries.
   */
  public static String toText(List<Summary> summaries) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("store", summaries, Summary::store));
    rows.add(row("seed", summaries, s -> s.seed().isEmpty() ? "-" : s.seed()));
    rows.add(row("result", summaries, s -> s.passed() ? "PASS" : "FAIL"));
    rows.add(row("events", summaries, s -> String.valueOf(s.events())));
    TreeSet<String> kinds = new TreeSet<>();
    summaries.forEach(s -> kinds.addAll(s.faultsByKind().keySet()));
    rows.add(
        row(
            "faults",
            summaries,
            s ->
                String.valueOf(
                    s.faultsByKind().values().stream().mapToInt(Integer::intValue).sum())));
    for (String kind : kinds) {
      rows.add(
          row("  " + kind, summaries, s -> String.valueOf(s.faultsByKind().getOrDefault(kind, 0))));
    }
    rows.add(row("leaderships", summaries, s -> String.valueOf(s.leaderships())));
    rows.add(row("writes ok", summaries, s -> String.valueOf(s.writesOk())));
    rows.add(row("writes refused", summaries, s -> String.valueOf(s.writesRefused())));
    rows.add(row("writes unknown", summaries, s -> String.valueOf(s.writesUnknown())));
    rows.add(row("reads", summaries, s -> String.valueOf(s.reads())));
    rows.add(row("detector reports", summaries, s -> String.valueOf(s.detectorReports())));
    rows.add(row("failovers", summaries, s -> String.valueOf(s.failovers())));
    rows.add(row("failover p50 ms", summaries, s -> millis(s.p50FailoverMs())));
    rows.add(row("failover worst ms", summaries, s -> millis(s.worstFailoverMs())));
    rows.add(row("worst liveness gap ms", summaries, s -> millis(s.worstLivenessGapMs())));
    for (Rule rule : Rule.values()) {
      rows.add(
          row(
              "violations (" + rule.letter() + ")",
              summaries,
              s -> String.valueOf(s.violationsByRule().getOrDefault(rule.letter(), 0))));
    }
    return layout(rows);
  }

  private interface Cell {
    String of(Summary s);
  }

  private static List<String> row(String label, List<Summary> summaries, Cell cell) {
    List<String> row = new ArrayList<>();
    row.add(label);
    summaries.forEach(s -> row.add(cell.of(s)));
    return row;
  }

  private static String millis(Double ms) {
    return ms == null ? "-" : String.format("%.1f", ms);
  }

  private static String layout(List<List<String>> rows) {
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        String cell = row.get(c);
        if (c == 0) {
          line.append(cell).append(" ".repeat(width[c] - cell.length()));
        } else {
          line.append("  ").append(" ".repeat(width[c] - cell.length())).append(cell);
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
