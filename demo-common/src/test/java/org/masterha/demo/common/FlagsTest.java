package org.masterha.demo.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;

class FlagsTest {
  private final Flags flags =
      HaFlags.define(Flags.builder(), "10s")
          .value("port", "PORT", "the port", "5050")
          .bool("watch", "keep watching")
          .build();

  @Test
  void acceptsBothMesosForms() {
    Flags.Parsed p = flags.parse("--port=6060", "--ha-url", "zk://127.0.0.1:2181/mesos", "--watch");
    assertThat(p.integer("port", 0, 65535)).isEqualTo(6060);
    assertThat(p.get("ha-url")).contains("zk://127.0.0.1:2181/mesos");
    assertThat(p.bool("watch")).isTrue();
    assertThat(flags.parse("--no-watch").bool("watch")).isFalse();
    assertThat(flags.parse().integer("port", 0, 65535)).isEqualTo(5050);
  }

  @Test
  void everyMistakeNamesTheFlagAndWhatIsAccepted() {
    assertThatThrownBy(() -> flags.parse("--prot=1"))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("unknown flag --prot; accepted: --ha-url, ");
    assertThatThrownBy(() -> flags.parse("--port"))
        .hasMessage("flag --port needs a value: --port=PORT");
    assertThatThrownBy(() -> flags.parse("--port=1", "--port=2"))
        .hasMessage("flag --port is given twice; give it once");
    assertThatThrownBy(() -> flags.parse("--watch=maybe"))
        .hasMessageContaining("flag --watch is a switch");
    assertThatThrownBy(() -> flags.parse("stray"))
        .hasMessageContaining("unexpected argument 'stray'");
    assertThatThrownBy(() -> flags.parse("--port=70000").integer("port", 0, 65535))
        .hasMessage("flag --port='70000' is not accepted; expected a whole number from 0 to 65535");
    assertThatThrownBy(
            () ->
                flags
                    .parse("--session-timeout=100ms")
                    .duration("session-timeout", Duration.ofMillis(500), Duration.ofHours(1)))
        .hasMessage("flag --session-timeout=100ms is out of range; accepted: 500ms to 1h");
  }

  @Test
  void haConfigComesFromTheFlagsAndIsCheckedAgainstTheBackendsPresent() {
    HaBackends backends = HaBackends.load();
    HaConfig c =
        HaFlags.config(
            flags.parse("--ha-url=standalone:///x", "--session-timeout=2s"),
            Optional.empty(),
            backends);
    assertThat(c.backend()).contains("standalone");
    assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(
            HaFlags.config(flags.parse("--ha-backend=standalone"), Optional.empty(), backends)
                .url()
                .toString())
        .isEqualTo("standalone:///masterha");
    assertThatThrownBy(
            () ->
                HaFlags.config(
                    flags.parse("--ha-backend=standalone", "--ha-url=zk://127.0.0.1:2181/m"),
                    Optional.empty(),
                    backends))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("flags --ha-backend and --ha-url disagree: ");
    assertThatThrownBy(
            () ->
                HaFlags.config(flags.parse("--ha-url=nosuch://h:1/m"), Optional.empty(), backends))
        .hasMessageStartingWith(
            "flag --ha-url: no HA backend for URL scheme 'nosuch://' is on the classpath; available: ")
        .hasMessageContaining("standalone (standalone://)");
    assertThatThrownBy(() -> HaFlags.config(flags.parse(), Optional.empty(), backends))
        .hasMessage("flag --ha-url is required, e.g. --ha-url=zk://127.0.0.1:2181/mesos");
    assertThatThrownBy(
            () ->
                HaFlags.config(
                    flags.parse(
                        "--ha-url=standalone:///x",
                        "--ha-credentials-env=MASTERHA_TEST_UNSET_VARIABLE"),
                    Optional.empty(),
                    backends))
        .hasMessageStartingWith(
            "flag --ha-credentials-env: environment variable MASTERHA_TEST_UNSET_VARIABLE is not set");
  }

  @Test
  void aFileUrlReadsTheHaUrlFromThatFileAsMesosZkDoes(@TempDir Path dir) throws Exception {
    HaBackends backends = HaBackends.load();
    Path file = dir.resolve("ha-url");
    Files.writeString(file, "# the masters' store\n\n  standalone:///from-file  \n");
    HaConfig c = HaFlags.config(flags.parse("--ha-url=file://" + file), Optional.empty(), backends);
    assertThat(c.url().toString()).isEqualTo("standalone:///from-file");

    Path missing = dir.resolve("nope");
    assertThatThrownBy(
            () ->
                HaFlags.config(
                    flags.parse("--ha-url=file://" + missing), Optional.empty(), backends))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("flag --ha-url: file " + missing + " does not exist; ");
    assertThatThrownBy(
            () -> HaFlags.config(flags.parse("--ha-url=file://" + dir), Optional.empty(), backends))
        .hasMessageContaining(" is a directory");

    Path two = dir.resolve("two");
    Files.writeString(two, "standalone:///a\nstandalone:///b\n");
    assertThatThrownBy(
            () -> HaFlags.config(flags.parse("--ha-url=file://" + two), Optional.empty(), backends))
        .hasMessageContaining("holds 2 lines; expected exactly one HA URL line");
    Path empty = dir.resolve("empty");
    Files.writeString(empty, "# nothing\n");
    assertThatThrownBy(
            () ->
                HaFlags.config(flags.parse("--ha-url=file://" + empty), Optional.empty(), backends))
        .hasMessageContaining("holds no URL");
    Path nested = dir.resolve("nested");
    Files.writeString(nested, "file://" + file + "\n");
    assertThatThrownBy(
            () ->
                HaFlags.config(
                    flags.parse("--ha-url=file://" + nested), Optional.empty(), backends))
        .hasMessageContaining("names another file");

    // The point of the file is a secret kept off the command line: an error never echoes it.
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "zk://mesos:s3cret@zk1:notaport/mesos\n");
    assertThatThrownBy(
            () ->
                HaFlags.config(
                    flags.parse("--ha-url=file://" + secret), Optional.empty(), backends))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("flag --ha-url: the URL in " + secret + ": ")
        .hasMessageNotContaining("s3cret");
  }
}
