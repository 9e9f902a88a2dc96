package org.masterha.zookeeper;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;

/**
 * A plain Curator client straight to the servers, playing a Mesos master (writing members the way
 * Mesos' C++ client does) or an operator looking at the znodes.
 */
final class RawClient implements AutoCloseable {
  private final CuratorFramework client;

  RawClient(String connectString) {
    this(
        CuratorFrameworkFactory.builder()
            .connectString(connectString)
            .sessionTimeoutMs(10_000)
            .retryPolicy(new RetryNTimes(20, 100))
            .ensembleTracker(false)
            .defaultData(new byte[0]));
  }

  RawClient(CuratorFrameworkFactory.Builder builder) {
    client = builder.build();
    client.start();
    try {
      if (!client.blockUntilConnected(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("raw client could not connect");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  CuratorFramework curator() {
    return client;
  }

  /** As Mesos' group does: an ephemeral sequential child, parents created as plain znodes. */
  String createMember(String path, String prefix, byte[] data) throws Exception {
    if (client.checkExists().forPath(path) == null) {
      try {
        client
            .create()
            .creatingParentsIfNeeded()
            .withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE)
            .forPath(path, new byte[0]);
      } catch (KeeperException.NodeExistsException createdMeanwhile) {
        // A session under test creates its base path in the background; either creation will do.
      }
    }
    // An empty prefix gives "<path>/", which ZooKeeper accepts for a sequential node: the name is
    // the sequence.
    return client
        .create()
        .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE)
        .forPath(path + "/" + prefix, data);
  }

  List<String> children(String path) throws Exception {
    return client.checkExists().forPath(path) == null
        ? List.of()
        : client.getChildren().forPath(path).stream().sorted().toList();
  }

  byte[] data(String path) throws Exception {
    return client.getData().forPath(path);
  }

  Stat stat(String path) throws Exception {
    return client.checkExists().forPath(path);
  }

  void delete(String path) throws Exception {
    client.delete().forPath(path);
  }

  long sessionId() throws Exception {
    return client.getZookeeperClient().getZooKeeper().getSessionId();
  }

  @Override
  public void close() {
    client.close();
  }
}
