package org.masterha.demo.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zookeeper.Version;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/**
 * A real ZooKeeper server inside this JVM, on a free loopback port, with its data in a temporary
 * directory.
 */
public final class EmbeddedZooKeeper implements Store {
  private final ZooKeeperServerEmbedded server;
  private final String connect;
  private final Path base;

  private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, String connect, Path base) {
    this.server = server;
    this.connect = connect;
    this.base = base;
  }

  public static EmbeddedZooKeeper start(Path dir) throws Exception {
    int port = Ports.free();
    Path base = Files.createDirectories(dir.resolve("zookeeper"));
    Properties p = new Properties();
    p.setProperty("clientPort", Integer.toString(port));
    p.setProperty("clientPortAddress", "127.0.0.1");
    p.setProperty("dataDir", base.resolve("data").toString());
    // A short tick so short session timeouts are honoured, with bounds wide enough for the 10 s
    // default.
    p.setProperty("tickTime", "250");
    p.setProperty("minSessionTimeout", "500");
    p.setProperty("maxSessionTimeout", "120000");
    p.setProperty("admin.enableServer", "false");
    p.setProperty("4lw.commands.whitelist", "");
    p.setProperty("maxClientCnxns", "0");
    p.setProperty("maxCnxns", "0");
    ZooKeeperServerEmbedded server =
        ZooKeeperServerEmbedded.builder()
            .baseDir(base)
            .configuration(p)
            .exitHandler(ExitHandler.LOG_ONLY)
            .build();
    try {
      server.start(30_000);
    } catch (java.util.concurrent.TimeoutException e) {
      server.close();
      throw new java.io.IOException(
          "the embedded ZooKeeper server did not start within 30s on 127.0.0.1:"
              + port
              + "; see the ERROR lines above",
          e);
    }
    return new EmbeddedZooKeeper(server, "127.0.0.1:" + port, base);
  }

  public String connectString() {
    return connect;
  }

  @Override
  public String backend() {
    return "zookeeper";
  }

  @Override
  public String url(String basePath) {
    return "zk://" + connect + basePath;
  }

  @Override
  public String describe() {
    return "embedded ZooKeeper " + Version.getVersion().replaceAll("-.*", "") + " at " + connect;
  }

  @Override
  public void close() {
    server.close();
    DataDirs.delete(base);
  }
}
