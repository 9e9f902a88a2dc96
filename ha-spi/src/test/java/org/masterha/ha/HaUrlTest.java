package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.masterha.ha.error.HaConfigException;

class HaUrlTest {
  @Test
  void parsesMultipleHostsCredentialsAndPath() {
    HaUrl url = HaUrl.parse("zk://user:pass@h1:2181,h2:2182/mesos");

    assertThat(url.scheme()).isEqualTo("zk");
    assertThat(url.endpoints()).containsExactly(new Endpoint("h1", 2181), new Endpoint("h2", 2182));
    assertThat(url.path()).isEqualTo("/mesos");
    assertThat(url.credentials()).contains(Credentials.password("user", Secret.of("pass")));
    assertThat(url.hostList(2181)).isEqualTo("h1:2181,h2:2182");
  }

  @Test
  void toStringMasksThePasswordButKeepsTheUser() {
    HaUrl url = HaUrl.parse("zk://user:s3cr3t@h1:2181,h2:2182/mesos");

    assertThat(url.toString())
        .isEqualTo("zk://user:****@h1:2181,h2:2182/mesos")
        .doesNotContain("s3cr3t");
  }

  @Test
  void ipv6AddressesAreBracketed() {
    HaUrl url = HaUrl.parse("etcd://[::1]:2379,[fe80::1]/masters");

    assertThat(url.endpoints())
        .containsExactly(new Endpoint("::1", 2379), new Endpoint("fe80::1", 0));
    assertThat(url.hostList(2379)).isEqualTo("[::1]:2379,[fe80::1]:2379");
    assertThat(url.toString()).isEqualTo("etcd://[::1]:2379,[fe80::1]/masters");
  }

  @Test
  void aMissingPortIsZeroAndFilledWithTheBackendDefault() {
    HaUrl url = HaUrl.parse("zk://h1,h2:2182/mesos");

    assertThat(url.endpoints()).containsExactly(new Endpoint("h1", 0), new Endpoint("h2", 2182));
    assertThat(url.hostList(2181)).isEqualTo("h1:2181,h2:2182");
    assertThat(url.toString()).isEqualTo("zk://h1,h2:2182/mesos");
  }

  @Test
  void schemeIsCaseInsensitiveAndATrailingSlashIsDropped() {
    HaUrl url = HaUrl.parse("ZK://h:1/a/b/");

    assertThat(url.scheme()).isEqualTo("zk");
    assertThat(url.path()).isEqualTo("/a/b");
  }

  @Test
  void aUrlWithoutHostsIsForBackendsThatNeedNone() {
    HaUrl url = HaUrl.parse("standalone:///mesos");

    assertThat(url.endpoints()).isEmpty();
    assertThat(url.credentials()).isEmpty();
    assertThat(url.path()).isEqualTo("/mesos");
  }

  @Test
  void userInfoIsPercentDecodedAndPlusIsLiteral() {
    HaUrl url = HaUrl.parse("zk://us%40er:p%3Ass%2Fw+rd@h/m");

    Credentials credentials = url.credentials().orElseThrow();
    assertThat(credentials.username()).contains("us@er");
    assertThat(credentials.secret().reveal()).isEqualTo("p:ss/w+rd");
  }

  @Test
  void equalUrlsAreEqual() {
    assertThat(HaUrl.parse("zk://u:p@h:1/m"))
        .isEqualTo(HaUrl.parse("zk://u:p@h:1/m/"))
        .hasSameHashCodeAs(HaUrl.parse("zk://u:p@h:1/m"));
    assertThat(HaUrl.parse("zk://u:p@h:1/m")).isNotEqualTo(HaUrl.parse("zk://u:q@h:1/m"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"zk://h:2181/", "zk://h:2181"})
  void theRootOrNoPathIsRefused(String text) {
    assertThatThrownBy(() -> HaUrl.parse(text))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining(
            "is not allowed: the masters need a base path of their own, e.g. /mesos");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "zk://h//         | invalid segment ''",
        "zk://h/a//b      | invalid segment ''",
        "zk://h/a/../b    | invalid segment '..'",
        "zk://h/./b       | invalid segment '.'",
        "zk://h/a b       | invalid segment 'a b'",
        "zk://h/a?x=1     | invalid segment 'a?x=1'",
      })
  void badPathSegmentsAreRefused(String text, String message) {
    assertThatThrownBy(() -> HaUrl.parse(text.strip()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining(message)
        .hasMessageContaining("accepted: non-empty segments");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "zk://h:0/m      | port '0' of host 'h'",
        "zk://h:65536/m  | port '65536' of host 'h'",
        "zk://h:x/m      | port 'x' of host 'h'",
        "zk://h:/m       | port '' of host 'h'",
        "zk://[::1]:99999/m | port '99999' of host '::1'",
      })
  void badPortsAreRefused(String text, String message) {
    assertThatThrownBy(() -> HaUrl.parse(text.strip()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining(message)
        .hasMessageContaining("accepted: 1 to 65535");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "h:2181/mesos     | has no scheme",
        "://h/mesos       | has no scheme",
        "1zk://h/mesos    | scheme '1zk' is not a valid scheme name",
        "z_k://h/mesos    | scheme 'z_k' is not a valid scheme name",
      })
  void badSchemesAreRefused(String text, String message) {
    assertThatThrownBy(() -> HaUrl.parse(text.strip()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"  "})
  void anEmptyUrlIsRefusedWithAnExample(String text) {
    assertThatThrownBy(() -> HaUrl.parse(text))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("the HA URL is empty")
        .hasMessageContaining("e.g. zk://127.0.0.1:2181/mesos");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "zk://::1:2181/m     | looks like an IPv6 address; write it in brackets",
        "zk://[::1:2181/m    | opens an IPv6 bracket it does not close",
        "zk://[::1]x/m       | has text after the IPv6 address",
        "zk://h1,,h2/m       | has an empty host in its host list",
        "zk://:2181/m        | needs a host name or address",
      })
  void badHostsAreRefused(String text, String message) {
    assertThatThrownBy(() -> HaUrl.parse(text.strip()))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aBareTokenInTheUrlIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> HaUrl.parse("consul://s3cr3t@h/m"))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("user info must be user:password")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
  }

  @Test
  void errorsNeverShowThePassword() {
    for (String text :
        List.of(
            "zk://user:s3cr3t@h:99999/m",
            "zk://user:s3cr3t@h/",
            "user:s3cr3t@h/m",
            "zk://user:@h/m",
            "zk://:s3cr3t@h/m")) {
      assertThatThrownBy(() -> HaUrl.parse(text))
          .as(text)
          .isInstanceOf(HaConfigException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }
  }

  @Test
  void aBadPercentEscapeInTheUserInfoIsAConfigErrorThatDoesNotQuoteThePassword() {
    for (String text :
        List.of("zk://user:s3%zzcr3t@h/m", "zk://user:s3cr3t%@h/m", "zk://user:s3cr3t%4@h/m")) {
      assertThatThrownBy(() -> HaUrl.parse(text))
          .as(text)
          .isInstanceOf(HaConfigException.class)
          .hasMessageContaining("user info has an invalid %-escape")
          .hasNoCause()
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .doesNotContain("s3")
                      .doesNotContain("zz")
                      .doesNotContain("cr3t"));
    }
  }
}
