package org.masterha.demo.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The raft backend's quorum made of the demo's masters themselves: nothing runs beside them. Each
 * master {@code mI} runs peer {@code nI} ({@code --raft-peers}, {@code --raft-self}, {@code
 * --raft-data}) on a port chosen here, and every process reaches the peers at {@code
 * raft://127.0.0.1:P1,.../path}.
 */
public final class RaftQuorum implements Store {
  private final Map<String, String> peers;
  private final Path base;

  private RaftQuorum(Map<String, String> peers, Path base) {
    this.peers = peers;
    this.base = base;
  }

  /** Ports and data directories (under {@code dir}) for the peers of {@code masters} masters. */
  public static RaftQuorum forMasters(int masters, Path dir) throws IOException {
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 1; i <= masters; i++) {
      peers.put("n" + i, "127.0.0.1:" + Ports.free());
    }
    return new RaftQuorum(peers, Files.createDirectories(dir.resolve("raft")));
  }

  @Override
  public String backend() {
    return "raft";
  }

  @Override
  public String url(String basePath) {
    return "raft://" + String.join(",", peers.values()) + basePath;
  }

  @Override
  public List<String> masterFlags(String master) {
    String self = "n" + master.substring(1);
    if (!master.startsWith("m") || !peers.containsKey(self)) {
      // A master beyond the quorum (none in the demo) is a plain client of the peers.
      return List.of();
    }
    return List.of(
        "--raft-peers="
            + peers.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",")),
        "--raft-self=" + self,
        "--raft-data=" + base.resolve(self));
  }

  @Override
  public String describe() {
    return "a raft quorum of the "
        + peers.size()
        + " masters themselves (a peer in each, nothing else running) at "
        + String.join(",", peers.values());
  }

  @Override
  public void close() {
    DataDirs.delete(base);
  }
}
