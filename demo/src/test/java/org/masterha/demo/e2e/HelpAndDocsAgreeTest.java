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
        .contains("demo", "master", "agent", "resolve", "bench", "chaos", "build", "help");
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
            "org.masterha.demo.master.RaftNodeMain",
            "org.masterha.raft.RaftAdminMain",
            "org.masterha.demo.agent.AgentMain",
            "org.masterha.tools.resolve.ResolveMain",
            "org.masterha.chaos.run.ChaosMain",
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

  /**
   * Each flag in the help of masterha master and agent is in docs/operations.md, and each flag the
   * docs' section of that subcommand names is one it accepts.
   */
  @Test
  void theFlagsOfMasterAndAgentAgreeWithTheDocs() throws Exception {
    String ops = Files.readString(ROOT.resolve("docs/operations.md"), StandardCharsets.UTF_8);
    Map<String, String> usages =
        Map.of(
            "master", org.masterha.demo.master.MasterOptions.USAGE,
            "agent", org.masterha.demo.agent.AgentOptions.USAGE);
    Pattern documented = Pattern.compile("`--([a-z0-9-]+)");
    for (Map.Entry<String, String> u : usages.entrySet()) {
      List<String> flags =
          Pattern.compile("(?m)^  --([a-z0-9-]+)")
              .matcher(u.getValue())
              .results()
              .map(m -> m.group(1))
              .toList();
      assertThat(flags).as("flags in the help of %s", u.getKey()).contains("ha-url", "help");
      for (String f : flags) {
        assertThat(ops)
            .as("docs/operations.md names --%s of masterha %s", f, u.getKey())
            .contains("`--" + f);
      }
      String heading = "### `masterha " + u.getKey() + "`";
      assertThat(ops).contains(heading);
      String section = ops.substring(ops.indexOf(heading) + heading.length());
      section = section.substring(0, section.indexOf("\n#"));
      List<String> inSection =
          documented.matcher(section).results().map(m -> m.group(1)).distinct().toList();
      assertThat(inSection).as("flags in the docs' section %s", heading).isNotEmpty();
      assertThat(flags).as("the flags of masterha %s", u.getKey()).containsAll(inSection);
    }
  }
}
