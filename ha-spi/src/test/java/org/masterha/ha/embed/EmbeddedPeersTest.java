package org.masterha.ha.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.ha.error.BackendNotFoundException;
import org.masterha.ha.error.HaConfigException;

class EmbeddedPeersTest {
  @TempDir Path dir;

  @Test
  void parsesPeersInOrder() {
    Map<String, String> peers = EmbeddedPeers.parse("n1=10.0.0.1:7070, n2=host-b:7071,n3=c:1");
    assertThat(peers)
        .containsExactly(
            Map.entry("n1", "10.0.0.1:7070"),
            Map.entry("n2", "host-b:7071"),
            Map.entry("n3", "c:1"));
    EmbeddedPeers p = new EmbeddedPeers("n2", peers, dir.resolve("data"));
    assertThat(p.address()).isEqualTo("host-b:7071");
    assertThat(p.prepareDataDir()).isDirectory();
  }

  @Test
  void badListsAreRefusedNamingWhatIsWrong() {
    assertThatThrownBy(() -> EmbeddedPeers.parse("n1=a:1,n1=b:2"))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("peer id 'n1' is given twice");
    assertThatThrownBy(() -> EmbeddedPeers.parse("n1=a:1,n2"))
        .hasMessageContaining("peer 'n2' is not id=host:port");
    assertThatThrownBy(() -> EmbeddedPeers.parse("n1=a:99999"))
        .hasMessageContaining("peer n1's address 'a:99999' is not host:port");
    assertThatThrownBy(() -> EmbeddedPeers.parse("n1=a"))
        .hasMessageContaining("peer n1's address 'a' is not host:port");
    assertThatThrownBy(() -> new EmbeddedPeers("n4", EmbeddedPeers.parse("n1=a:1,n2=b:2"), dir))
        .hasMessageContaining("peer id 'n4' is not one of the peers [n1, n2]");
  }

  @Test
  void aDataDirThatCannotBeWrittenIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    EmbeddedPeers p = new EmbeddedPeers("n1", EmbeddedPeers.parse("n1=a:1"), file);
    assertThatThrownBy(p::prepareDataDir)
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("data directory " + file);
  }

  @Test
  void aBackendThatIsNotThereIsNamed() {
    assertThatThrownBy(() -> EmbeddedStores.of().byBackend("raft"))
        .isInstanceOf(BackendNotFoundException.class)
        .hasMessageContaining("the raft backend is not on the class path")
        .hasMessageContaining("backends that can: none");
  }
}
