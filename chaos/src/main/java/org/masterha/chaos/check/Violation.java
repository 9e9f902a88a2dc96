package org.masterha.chaos.check;

import java.util.List;
import java.util.Objects;
import org.masterha.chaos.history.Event;

/**
 * A broken rule, with what is needed to understand and repeat it.
 *
 * @param rule the rule broken
 * @param kind a short name of the way it is broken, e.g. {@code "fork"} or {@code
 *     "act-after-lost"}, so that a test or a reader can tell apart the cases of one rule
 * @param explanation one line in words
 * @param involved the events that together break the rule
 * @param slice the merged history around the involved events, one rendered event per line (involved
 *     ones marked {@code >>}, skipped stretches shown as {@code ...})
 * @param seed the campaign's seed, from {@link CheckOptions}
 * @param schedule the campaign's fault schedule, from {@link CheckOptions}
 */
public record Violation(
    Rule rule,
    String kind,
    String explanation,
    List<Event> involved,
    List<String> slice,
    String seed,
    String schedule) {
  public Violation {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(explanation, "explanation");
    involved = List.copyOf(involved);
    slice = List.copyOf(slice);
    Objects.requireNonNull(seed, "seed");
    Objects.requireNonNull(schedule, "schedule");
  }

  /** The violation as a block of text: rule, explanation, seed, schedule, history slice. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("VIOLATION of rule (")
        .append(rule.letter())
        .append(") ")
        .append(rule.statement())
        .append(" [")
        .append(kind)
        .append("]\n");
    sb.append("  ").append(explanation).append('\n');
    sb.append("  seed: ").append(seed.isEmpty() ? "-" : seed).append('\n');
    sb.append("  schedule: ").append(schedule.isEmpty() ? "-" : schedule).append('\n');
    sb.append("  history:\n");
    for (String line : slice) {
      sb.append("    ").append(line).append('\n');
    }
    return sb.toString();
  }
}
