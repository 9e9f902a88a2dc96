package org.masterha.demo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.HaBackends;

/** The agent refuses an id the masters would refuse, at start, naming the rule. */
class AgentOptionsTest {
  private final HaBackends backends = HaBackends.load();

  private AgentOptions parse(String id) {
    return AgentOptions.parse(
        AgentOptions.FLAGS.parse("--master=127.0.0.1:5050", "--id=" + id), backends);
  }

  @Test
  void anIdTheMastersWouldRefuseIsABadFlag() {
    assertThatThrownBy(() -> parse("two words"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("flag --id")
        .hasMessageContaining("U+0020 at position 3")
        .hasMessageContaining("accepted: 1 to 128 visible ASCII characters");
    assertThatThrownBy(() -> parse("z".repeat(129))).hasMessageContaining("too long");
    assertThat(parse("agent-1.S0")).isNotNull();
  }
}
