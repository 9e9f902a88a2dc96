package org.masterha.demo.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.Secret;

/**
 * The agents' token: from a file or a variable only (a flag's value is refused before it is read),
 * never in a message or {@code toString()}, and matched only with the Bearer scheme and the exact
 * value.
 */
class AgentTokensTest {
  static final String TOKEN = "s3cret-token-not-to-print";

  private final Flags flags = AgentTokens.define(Flags.builder(), "token", "the token").build();

  @TempDir Path dir;

  @Test
  void aTokenAsAFlagValueIsRefusedWithoutEchoingIt() {
    for (String[] args : new String[][] {{"--token=" + TOKEN}, {"--token", TOKEN}, {"--token"}}) {
      assertThatThrownBy(() -> flags.parse(args))
          .isInstanceOf(UsageException.class)
          .hasMessageStartingWith("flag --token is not accepted: a token on the command line")
          .hasMessageContaining("--token-file=PATH")
          .hasMessageContaining("--token-env=VAR")
          .hasMessageNotContaining(TOKEN);
    }
    assertThat(flags.describe()).contains("--token-file=PATH").doesNotContain("--token=");
  }

  @Test
  void readsAFileOrAVariableAndNeverPrintsTheToken() throws Exception {
    Path file = Files.writeString(dir.resolve("t"), "\n  " + TOKEN + "  \n\n");
    Secret fromFile = AgentTokens.read(flags.parse("--token-file=" + file), "token").orElseThrow();
    assertThat(fromFile.reveal()).isEqualTo(TOKEN);
    assertThat(fromFile.toString()).isEqualTo("****");
    Secret fromEnv =
        AgentTokens.read(flags.parse("--token-env=T"), "token", Map.of("T", TOKEN)).orElseThrow();
    assertThat(fromEnv).isEqualTo(fromFile);
    assertThat(AgentTokens.read(flags.parse(), "token")).isEmpty();

    Path two = Files.writeString(dir.resolve("two"), TOKEN + "\nother\n");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    Path spaced = Files.writeString(dir.resolve("spaced"), "a " + TOKEN);
    for (Object[] bad :
        new Object[][] {
          {"--token-file=" + two, "has more than one line"},
          {"--token-file=" + empty, "is empty"},
          {"--token-file=" + spaced, "cannot go in a gRPC header at position 1"},
          {"--token-file=" + dir.resolve("missing"), "does not exist"},
          {"--token-file=" + dir, "is a directory"},
          {"--token-env=UNSET_FOR_SURE", "UNSET_FOR_SURE is not set"},
        }) {
      assertThatThrownBy(
              () -> AgentTokens.read(flags.parse((String) bad[0]), "token", Map.of("T", TOKEN)))
          .isInstanceOf(UsageException.class)
          .hasMessageStartingWith("flag --token-")
          .hasMessageContaining((String) bad[1])
          .hasMessageNotContaining(TOKEN);
    }
  }

  @Test
  void matchesOnlyTheBearerSchemeWithTheExactToken() {
    Secret token = Secret.of(TOKEN);
    assertThat(AgentTokens.matches(AgentTokens.header(token), token)).isTrue();
    assertThat(AgentTokens.matches("Bearer " + TOKEN, token)).isTrue();
    assertThat(AgentTokens.matches(null, token)).isFalse();
    assertThat(AgentTokens.matches(TOKEN, token)).isFalse();
    assertThat(AgentTokens.matches("Basic " + TOKEN, token)).isFalse();
    assertThat(AgentTokens.matches("Bearer " + TOKEN + "x", token)).isFalse();
    assertThat(AgentTokens.matches("Bearer " + TOKEN.substring(1), token)).isFalse();
    assertThat(AgentTokens.matches("Bearer ", token)).isFalse();
  }
}
