package org.masterha.chaos.check;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the checker found in a history.
 *
 * @param violations in the order found: by rule, then by history order
 * @param tenures every tenure, by start
 * @param failovers per fault whose leader changed, by fault start
 * @param windows the liveness windows that were evaluated, by heal
 * @param notes what the reader skipped and what the checker could not evaluate
 */
public record CheckResult(
    List<Violation> violations,
    List<Tenure> tenures,
    List<Failover> failovers,
    List<LivenessWindow> windows,
    List<String> notes) {
  public CheckResult {
    violations = List.copyOf(violations);
    tenures = List.copyOf(tenures);
    failovers = List.copyOf(failovers);
    windows = List.copyOf(windows);
    notes = List.copyOf(notes);
  }

  /** Whether no rule is broken. */
  public boolean passed() {
    return violations.isEmpty();
  }

  /** The rules broken. */
  public Set<Rule> rulesBroken() {
    Set<Rule> rules = EnumSet.noneOf(Rule.class);
    violations.forEach(v -> rules.add(v.rule()));
    return rules;
  }

  /** Every violation rendered, then the notes; "no violations" when there are none. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    if (violations.isEmpty()) {
      sb.append("no violations\n");
    }
    for (Violation v : violations) {
      sb.append(v.render()).append('\n');
    }
    for (String note : notes) {
      sb.append("note: ").append(note).append('\n');
    }
    return sb.toString();
  }
}
