package org.masterha.masterinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpidTest {
  @Test
  void parsesAndFormatsIdAtIpColonPort() {
    Upid pid = Upid.parse("master@127.0.0.1:5050");

    assertThat(pid).isEqualTo(new Upid("master", "127.0.0.1", 5050));
    assertThat(pid.toString()).isEqualTo("master@127.0.0.1:5050");
    assertThat(pid.mesosIp()).isEqualTo(16777343);
  }

  @Test
  void replicaAndOtherProcessIdsWork() {
    assertThat(Upid.parse("log-replica(1)@10.0.0.2:5050").id()).isEqualTo("log-replica(1)");
    assertThat(Upid.parse("scheduler-1:x@10.0.0.2:0").port()).isZero();
  }

  @Test
  void surroundingWhiteSpaceIsIgnoredAsLibprocessDoes() {
    assertThat(Upid.parse("\n master@1.2.3.4:1 \t")).isEqualTo(new Upid("master", "1.2.3.4", 1));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "master | has no '@'",
        "@1.2.3.4:5 | empty process id",
        "master@1.2.3.4 | has no ':port'",
        "master@host.example:5050 | host 'host.example', which is not an IPv4 address; expected a.b.c.d (host names are not resolved)",
        "master@[::1]:5050 | host '[', which is not an IPv4 address",
        "master@1.2.3.4: | port '', which is not a port number; accepted: 0 to 65535",
        "master@1.2.3.4:-1 | port '-1'",
        "master@1.2.3.4:65536 | port '65536'",
        "master@1.2.3.4:5050:1 | port '5050:1'",
        "master@1.2.3.4:123456 | port '123456'",
        "a b@1.2.3.4:5 | contains white space",
      })
  void refusesMalformedUpidsSayingWhy(String text, String message) {
    assertThatThrownBy(() -> Upid.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void refusesAnEmptyUpid() {
    assertThatThrownBy(() -> Upid.parse("  "))
        .hasMessageContaining("the UPID is empty; expected id@ip:port");
  }

  @Test
  void theConstructorValidatesToo() {
    assertThatThrownBy(() -> new Upid("", "1.2.3.4", 1)).hasMessageContaining("needs a process id");
    assertThatThrownBy(() -> new Upid("a@b", "1.2.3.4", 1))
        .hasMessageContaining("must not contain '@'");
    assertThatThrownBy(() -> new Upid("m", "1.2.3", 1))
        .hasMessageContaining("is not an IPv4 address");
    assertThatThrownBy(() -> new Upid("m", "1.2.3.4", 70000))
        .hasMessageContaining("accepted: 0 to 65535");
  }
}
