package org.masterha.chaos.check;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.masterha.chaos.history.History;
import org.masterha.chaos.history.HistoryFormatException;
import org.masterha.chaos.history.HistoryReader;

/**
 * Checks a saved history directory again, e.g. one a campaign left behind after a failure: prints
 * every violation and the summary; exit 0 when every rule holds, 1 on a violation, 2 on bad
 * arguments or an unreadable history.
 */
public final class CheckMain {
  static final String USAGE =
      "Usage: CheckMain <history-dir> --session-timeout-ms=N [--grace-ms=1000] [--seed=S]\n"
          + "                 [--schedule=S] [--store=NAME] [--json=FILE]\n"
          + "Checks the campaign rules (a) to (g) over <history-dir>/*.jsonl; prints the violations\n"
          + "and the summary (also written as JSON to FILE with --json).\n"
          + "Exit codes: 0 no violation; 1 violations; 2 bad arguments or a broken history.\n";

  private CheckMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> flags = new HashMap<>();
    String dir = null;
    for (String arg : args) {
      if (arg.startsWith("--") && arg.contains("=")) {
        int eq = arg.indexOf('=');
        flags.put(arg.substring(2, eq), arg.substring(eq + 1));
      } else if (dir == null && !arg.startsWith("--")) {
        dir = arg;
      } else {
        err.print("unexpected argument: " + arg + "\n" + USAGE);
        return 2;
      }
    }
    List<String> known =
        List.of("session-timeout-ms", "grace-ms", "seed", "schedule", "store", "json");
    for (String name : flags.keySet()) {
      if (!known.contains(name)) {
        err.print("unknown flag --" + name + "\n" + USAGE);
        return 2;
      }
    }
    if (dir == null || !flags.containsKey("session-timeout-ms")) {
      err.print(USAGE);
      return 2;
    }
    CheckOptions options;
    try {
      options =
          CheckOptions.of(Duration.ofMillis(Long.parseLong(flags.get("session-timeout-ms"))))
              .withGrace(Duration.ofMillis(Long.parseLong(flags.getOrDefault("grace-ms", "1000"))))
              .withSeed(flags.getOrDefault("seed", ""))
              .withSchedule(flags.getOrDefault("schedule", ""));
    } catch (IllegalArgumentException e) { // NumberFormatException too
      err.print("bad duration: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    History history;
    try {
      history = new HistoryReader().readDirectory(Path.of(dir));
    } catch (IOException | HistoryFormatException e) {
      err.println("cannot read the history in " + dir + ": " + e.getMessage());
      return 2;
    }
    CheckResult result = new HistoryChecker(options).check(history);
    Summary summary = Summary.of(flags.getOrDefault("store", "-"), options.seed(), history, result);
    out.print(result.render());
    out.println();
    out.print(summary.toText());
    if (flags.containsKey("json")) {
      try {
        Files.writeString(Path.of(flags.get("json")), summary.toJson());
      } catch (IOException e) {
        err.println("cannot write " + flags.get("json") + ": " + e.getMessage());
        return 2;
      }
    }
    return result.passed() ? 0 : 1;
  }
}
