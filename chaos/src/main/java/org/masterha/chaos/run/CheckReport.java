package org.masterha.chaos.run;

import java.nio.file.Path;
import java.util.stream.Collectors;
import org.masterha.chaos.check.CheckOptions;
import org.masterha.chaos.check.CheckResult;
import org.masterha.chaos.check.HistoryChecker;
import org.masterha.chaos.check.Summary;
import org.masterha.chaos.history.History;
import org.masterha.chaos.history.HistoryReader;

/** The checker's verdict on one store's campaign, its summary, and the runner's own notes. */
record CheckReport(boolean violation, Summary summary, String text) {
  /** Schedules longer than this are named by their file in a violation, not printed whole. */
  private static final int PRINTED_SCHEDULE_FAULTS = 40;

  static CheckReport of(Campaign.Settings settings, Campaign.Result result) throws Exception {
    History history = new HistoryReader().readDirectory(result.historyDir());
    Path scheduleFile = result.historyDir().getParent().resolve("schedule.txt");
    String schedule =
        result.schedule().size() <= PRINTED_SCHEDULE_FAULTS
            ? "\n"
                + result.schedule().stream().map(f -> "    " + f).collect(Collectors.joining("\n"))
            : result.schedule().size() + " faults, listed in " + scheduleFile;
    CheckOptions options =
        CheckOptions.of(settings.sessionTimeout())
            .withSeed(Long.toString(settings.seed()))
            .withSchedule(
                "bin/masterha chaos --backend="
                    + settings.backend()
                    + " --faults="
                    + settings.faults()
                    + " --seed="
                    + settings.seed()
                    + " --nodes="
                    + settings.nodes()
                    + " --session-timeout="
                    + settings.sessionTimeout().toMillis()
                    + "ms"
                    + settings.schedule().map(s -> " --schedule=" + s).orElse("")
                    + ": "
                    + schedule);
    CheckResult checked = new HistoryChecker(options).check(history);
    Summary summary =
        Summary.of(settings.backend(), Long.toString(settings.seed()), history, checked);
    StringBuilder text = new StringBuilder();
    text.append("[")
        .append(settings.backend())
        .append("] ")
        .append(result.store())
        .append(", ")
        .append(settings.nodes())
        .append(" nodes, session timeout ")
        .append(settings.sessionTimeout().toMillis())
        .append(" ms: ")
        .append(result.faultsInjected())
        .append(" faults in ")
        .append(result.elapsedMs() / 1000)
        .append(" s; history in ")
        .append(result.historyDir())
        .append('\n');
    text.append(checked.render());
    for (String note : result.notes()) {
      text.append("runner note: ").append(note).append('\n');
    }
    return new CheckReport(!checked.passed(), summary, text.toString());
  }
}
