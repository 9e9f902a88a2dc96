package org.masterha.demo.master;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.masterha.demo.common.UsageException;
import org.masterha.ha.HaBackends;

/** The master's --raft-* flags without the raft backend on the class path (as in this module). */
class RaftPeerFlagsTest {
  private static MasterOptions parse(String... args) {
    return MasterOptions.parse(MasterOptions.FLAGS.parse(args), HaBackends.load());
  }

  @Test
  void withoutTheRaftBackendTheFlagsSaySo() {
    assertThatThrownBy(
            () -> parse("--raft-peers=n1=127.0.0.1:7070", "--raft-self=n1", "--raft-data=/tmp/x"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("flags --raft-peers/--raft-self/--raft-data")
        .hasMessageContaining("the raft backend is not on the class path")
        .hasMessageContaining("backends/raft");
  }

  @Test
  void theFlagsGoTogether() {
    assertThatThrownBy(() -> parse("--raft-peers=n1=127.0.0.1:7070"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("go together; missing: --raft-self, --raft-data");
  }
}
