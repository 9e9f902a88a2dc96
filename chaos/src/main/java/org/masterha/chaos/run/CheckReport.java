package org.masterha.chaos.run;

import java.util.Map;
import java.util.TreeMap;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.History;
import org.masterha.chaos.history.HistoryReader;

/**
 * The verdict on one store's campaign and its summary, text and JSON. Interim: counts events until
 * the checker of branch chaos-checker is merged.
 */
record CheckReport(boolean violation, String text, String json) {
  static CheckReport of(Campaign.Settings settings, Campaign.Result result) {
    try {
      History history = new HistoryReader().readDirectory(result.historyDir());
      Map<String, Integer> counts = new TreeMap<>();
      for (Event e : history.events()) {
        counts.merge(Event.typeOf(e), 1, Integer::sum);
      }
      String text =
          "["
              + result.backend()
              + "] "
              + result.faultsInjected()
              + " faults, events "
              + counts
              + ", worst recovery "
              + result.worstRecoveryMs()
              + " ms, unrecovered "
              + result.unrecovered()
              + " (checker not merged yet)";
      return new CheckReport(false, text, "{\"events\":" + counts.size() + "}");
    } catch (Exception e) {
      return new CheckReport(true, "cannot read the history: " + e, "{}");
    }
  }
}
