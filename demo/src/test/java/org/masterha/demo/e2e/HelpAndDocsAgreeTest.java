package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md names every subcommand and environment variable of bin/masterha, and each
 * process's --help names the exit codes a user meets, Ctrl-C's 130 and SIGTERM's 143 among them.
 */
class HelpAndDocsAgreeTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void operationsListsEverySubcommandAndEnvironmentVariable() throws Exception {
    String script = Files.readString(ROOT.resolve("bin/masterha"), StandardCharsets.UTF_8);
    String ops = Files.readString(ROOT.resolve("docs/operations.md"), StandardCharsets.UTF_8);
    String cases = script.substring(script.indexOf("case \"$cmd\" in"));
    List<String> subcommands =
        Pattern.compile("(?m)^  ([a-z|-]+)\\)")
            .matcher(cases)
            .results()
            .flatMap(m -> Stream.of(m.group(1).split("\\|")))
            .filter(c -> !c.startsWith("-"))
            .toList();
    assertThat(subcommands)
        .contains("demo", "master", "agent", "resolve", "bench", "build", "help");
    for (String sub : subcommands) {
      assertThat(ops)
          .as("docs/operations.md names bin/masterha %s", sub)
          .contains("`bin/masterha " + sub);
    }
    List<String> variables =
        Pattern.compile("\\$\\{?(MASTERHA_[A-Z_]+)")
            .matcher(script)
            .results()
            .map(m -> m.group(1))
            .distinct()
            .toList();
    assertThat(variables).isNotEmpty();
    for (String v : variables) {
      assertThat(ops).as("docs/operations.md names %s", v).contains("`" + v + "`");
    }
  }

  @Test
  void everyHelpNamesTheExitCodesOfSignals() throws Exception {
    for (String main :
        List.of(
            "org.masterha.demo.master.MasterMain",
            "org.masterha.demo.agent.AgentMain",
            "org.masterha.tools.resolve.ResolveMain",
            "org.masterha.bench.BenchMain",
            "org.masterha.demo.launcher.DemoLauncher")) {
      CommandLine help =
          CommandLine.run(
              dir,
              main.substring(main.lastIndexOf('.') + 1),
              main,
              Map.of(),
              List.of("--help"),
              Duration.ofSeconds(60));
      assertThat(help.exitCode()).isZero();
      assertThat(help.out())
          .as("%s --help", main)
          .contains("Exit codes:")
          .contains("130")
          .contains("143")
          .contains("2 bad flags");
    }
  }
}
