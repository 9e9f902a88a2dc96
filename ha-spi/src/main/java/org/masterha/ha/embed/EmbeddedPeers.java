package org.masterha.ha.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.masterha.ha.error.HaConfigException;

/**
 * Which peers make up an embedded store and which one this process runs: {@code self}, every peer's
 * id and {@code host:port} (in the order given) and this peer's data directory. Checked when built,
 * so that a bad list fails before anything starts.
 */
public record EmbeddedPeers(String self, Map<String, String> peers, Path dataDir) {
  public EmbeddedPeers {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(dataDir, "dataDir");
    peers = Collections.unmodifiableMap(new LinkedHashMap<>(peers));
    if (peers.isEmpty()) {
      throw new HaConfigException("the peer list is empty; expected e.g. n1=10.0.0.1:7070,...");
    }
    peers.forEach(EmbeddedPeers::checkAddress);
    if (!peers.containsKey(self)) {
      throw new HaConfigException(
          "peer id '" + self + "' is not one of the peers " + peers.keySet());
    }
  }

  /** Parses {@code id=host:port,id=host:port,...}; ids must be unique. */
  public static Map<String, String> parse(String list) {
    Map<String, String> peers = new LinkedHashMap<>();
    for (String part : list.split(",", -1)) {
      String entry = part.strip();
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new HaConfigException(
            "peer '" + entry + "' is not id=host:port; expected e.g. n1=10.0.0.1:7070");
      }
      String id = entry.substring(0, eq);
      if (!id.matches("[A-Za-z0-9_.-]+")) {
        throw new HaConfigException(
            "peer id '" + id + "' is not accepted; expected letters, digits, '_', '.' or '-'");
      }
      String address = entry.substring(eq + 1);
      checkAddress(id, address);
      if (peers.put(id, address) != null) {
        throw new HaConfigException("peer id '" + id + "' is given twice");
      }
    }
    return peers;
  }

  private static void checkAddress(String id, String address) {
    int colon = address.lastIndexOf(':');
    boolean ok = colon > 0 && colon < address.length() - 1;
    if (ok) {
      String port = address.substring(colon + 1);
      ok =
          port.matches("\\d{1,5}")
              && Integer.parseInt(port) >= 1
              && Integer.parseInt(port) <= 65535;
    }
    if (!ok) {
      throw new HaConfigException(
          "peer "
              + id
              + "'s address '"
              + address
              + "' is not host:port with a port from 1 to 65535; expected e.g. 10.0.0.1:7070");
    }
  }

  /** This peer's {@code host:port}. */
  public String address() {
    return peers.get(self);
  }

  /**
   * Creates the data directory if needed and checks that it is a writable directory, so the error
   * names the directory instead of surfacing later from the store's storage layer.
   */
  public Path prepareDataDir() {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException | RuntimeException e) {
      throw new HaConfigException(
          "data directory " + dataDir + " cannot be created: " + e.getMessage(), e);
    }
    if (!Files.isDirectory(dataDir) || !Files.isWritable(dataDir)) {
      throw new HaConfigException(
          "data directory "
              + dataDir
              + " is not a writable directory; give one this user can write");
    }
    return dataDir;
  }
}
