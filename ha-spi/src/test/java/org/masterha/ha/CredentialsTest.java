package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.masterha.ha.error.HaConfigException;

class CredentialsTest {
  @Test
  void userColonPasswordIsAPassword() {
    Credentials c = Credentials.parse("alice:s3cr3t", "test");

    assertThat(c.isToken()).isFalse();
    assertThat(c.username()).contains("alice");
    assertThat(c.secret().reveal()).isEqualTo("s3cr3t");
  }

  @Test
  void onlyTheFirstColonSeparates() {
    assertThat(Credentials.parse("alice:pa:ss", "test").secret().reveal()).isEqualTo("pa:ss");
  }

  @Test
  void textWithoutAColonIsAToken() {
    Credentials c = Credentials.parse("b1946ac9-2a2b-4d11", "test");

    assertThat(c.isToken()).isTrue();
    assertThat(c.username()).isEmpty();
    assertThat(c.secret().reveal()).isEqualTo("b1946ac9-2a2b-4d11");
  }

  @Test
  void surroundingWhiteSpaceSuchAsAFilesFinalNewlineIsDropped() {
    assertThat(Credentials.parse("  alice:s3cr3t\r\n", "test"))
        .isEqualTo(Credentials.password("alice", Secret.of("s3cr3t")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  \n", ":s3cr3t", "alice:", "alice:s3cr3t\nbob:s3cr3t"})
  void malformedTextIsRefusedNamingTheOriginButNotTheSecret(String text) {
    assertThatThrownBy(() -> Credentials.parse(text, "credentials file /etc/masterha/zk"))
        .isInstanceOf(HaConfigException.class)
        .hasMessageStartingWith("credentials file /etc/masterha/zk ")
        .hasMessageContaining("expected 'user:password'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
  }

  @Test
  void userNamesAreChecked() {
    assertThatThrownBy(() -> Credentials.password("", Secret.of("x")))
        .hasMessageContaining("user name must not be empty");
    assertThatThrownBy(() -> Credentials.password("a:b", Secret.of("x")))
        .hasMessageContaining("must not contain ':'");
  }

  @Test
  void readsAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("zk-credentials");
    Files.writeString(file, "alice:s3cr3t\n", StandardCharsets.UTF_8);

    assertThat(Credentials.fromFile(file))
        .isEqualTo(Credentials.password("alice", Secret.of("s3cr3t")));
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    Path file = dir.resolve("absent");

    assertThatThrownBy(() -> Credentials.fromFile(file))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("credentials file " + file + " cannot be read: NoSuchFileException");
  }

  @Test
  void aFileWithTwoLinesIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("two");
    Files.writeString(file, "alice:s3cr3t\nbob:other\n", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Credentials.fromFile(file))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("credentials file " + file + " has more than one line")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
  }

  @Test
  void readsAnEnvironmentVariable() {
    Map<String, String> env = Map.of("MASTERHA_CREDENTIALS", "token-123");

    assertThat(Credentials.fromEnvironment("MASTERHA_CREDENTIALS", env))
        .isEqualTo(Credentials.token(Secret.of("token-123")));
  }

  @Test
  void aMissingOrEmptyEnvironmentVariableIsNamed() {
    assertThatThrownBy(() -> Credentials.fromEnvironment("MASTERHA_CREDENTIALS", Map.of()))
        .isInstanceOf(HaConfigException.class)
        .hasMessage(
            "environment variable MASTERHA_CREDENTIALS is not set; it should hold 'user:password' or a token");
    assertThatThrownBy(
            () ->
                Credentials.fromEnvironment(
                    "MASTERHA_CREDENTIALS", Map.of("MASTERHA_CREDENTIALS", "")))
        .isInstanceOf(HaConfigException.class)
        .hasMessageStartingWith("environment variable MASTERHA_CREDENTIALS is empty");
  }

  @Test
  void toStringMasksTheSecret() {
    assertThat(Credentials.parse("alice:s3cr3t", "t").toString())
        .isEqualTo("Credentials[user=alice, password=****]");
    assertThat(Credentials.parse("s3cr3t", "t").toString()).isEqualTo("Credentials[token=****]");
  }

  @Test
  void equalityComparesUserAndSecret() {
    assertThat(Credentials.parse("a:b", "t"))
        .isEqualTo(Credentials.parse("a:b", "t"))
        .hasSameHashCodeAs(Credentials.parse("a:b", "t"))
        .isNotEqualTo(Credentials.parse("a:c", "t"))
        .isNotEqualTo(Credentials.parse("b", "t"));
  }
}
