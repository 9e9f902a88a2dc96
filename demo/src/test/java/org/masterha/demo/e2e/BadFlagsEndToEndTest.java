package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;

/**
 * Bad command lines: the real processes exit 2 with one line naming the flag and what it accepts,
 * then usage.
 */
class BadFlagsEndToEndTest {
  @TempDir Path dir;

  private record Case(String name, String main, List<String> args, String message) {}

  @Test
  void badFlagsExitTwoWithAClearMessage() throws Exception {
    String master = "org.masterha.demo.master.MasterMain";
    String agent = "org.masterha.demo.agent.AgentMain";
    List<Case> cases =
        List.of(
            new Case(
                "port",
                master,
                List.of("--ha-url=zk://127.0.0.1:2181/mesos", "--port=abc"),
                "masterha master: flag --port='abc' is not accepted; expected a whole number from 0 to 65535"),
            new Case(
                "contradiction",
                master,
                List.of("--ha-backend=standalone", "--ha-url=zk://127.0.0.1:2181/mesos"),
                "masterha master: flags --ha-backend and --ha-url disagree: backend 'standalone' was asked for, but the HA URL's scheme 'zk://'"),
            new Case(
                "unknown-backend",
                master,
                List.of("--ha-backend=nosuch", "--ha-url=nosuch://127.0.0.1:1/mesos"),
                "masterha master: flag --ha-backend: no HA backend named 'nosuch' is on the classpath; available: "),
            new Case(
                "timeout",
                master,
                List.of("--ha-url=zk://127.0.0.1:2181/mesos", "--session-timeout=soon"),
                "masterha master: flag --session-timeout 'soon' is not a duration"),
            new Case(
                "unknown-flag",
                master,
                List.of("--ha-url=zk://127.0.0.1:2181/mesos", "--zk=zk://127.0.0.1:2181/mesos"),
                "masterha master: unknown flag --zk; accepted: --ha-url"),
            new Case(
                "root-path",
                master,
                List.of("--ha-url=zk://127.0.0.1:2181/"),
                "masterha master: flag --ha-url: HA URL path '/' is not allowed"),
            new Case(
                "metrics-port",
                master,
                List.of("--ha-url=zk://127.0.0.1:2181/mesos", "--metrics-port=-1"),
                "masterha master: flag --metrics-port='-1' is not accepted; expected a whole number from 0 to 65535"),
            new Case(
                "metrics-address",
                master,
                List.of(
                    "--ha-url=zk://127.0.0.1:2181/mesos",
                    "--metrics-port=9100",
                    "--metrics-address=localhost"),
                "masterha master: flag --metrics-address='localhost' is not accepted; expected an IPv4 address such as 127.0.0.1"),
            new Case(
                "agent-source",
                agent,
                List.of("--name=a1"),
                "masterha agent: no leader source: give --ha-url=URL"));
    List<JvmProcess> started = new ArrayList<>();
    EventLog events = new EventLog();
    for (Case c : cases) {
      started.add(JvmProcess.start(c.name(), c.main(), c.args(), dir, events));
    }
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      assertThat(started.get(i).waitFor(Duration.ofSeconds(60)))
          .as("exit code for %s", c.args())
          .contains(2);
      List<String> err = Files.readAllLines(dir.resolve(c.name() + ".log"), StandardCharsets.UTF_8);
      assertThat(err).as("standard error for %s", c.args()).isNotEmpty();
      assertThat(err.get(0)).startsWith(c.message());
      assertThat(err).anySatisfy(l -> assertThat(l).startsWith("Usage: masterha "));
    }
    assertThat(events.entries()).as("no process got as far as starting").isEmpty();
  }

  @Test
  void secretsNeverReachTheOutput() throws Exception {
    Path secret = Files.writeString(dir.resolve("creds"), "alice:file-secret-not-to-print\n");
    // Credentials both in the URL and in a file: refused, and neither secret may appear in the
    // message.
    JvmProcess p =
        JvmProcess.start(
            "creds",
            "org.masterha.demo.master.MasterMain",
            List.of(
                "--ha-url=zk://bob:url-secret-not-to-print@127.0.0.1:2181/mesos",
                "--ha-credentials-file=" + secret),
            dir,
            new EventLog());
    assertThat(p.waitFor(Duration.ofSeconds(60))).contains(2);
    String err = Files.readString(dir.resolve("creds.log"));
    assertThat(err)
        .startsWith(
            "masterha master: the HA URL carries credentials (user:password@) and flag --ha-credentials-file gives them too")
        .doesNotContain("file-secret-not-to-print")
        .doesNotContain("url-secret-not-to-print");
  }
}
