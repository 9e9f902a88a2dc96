package org.masterha.consul.fake;

import java.util.List;

/**
 * One session as Consul's {@code structs.Session}.
 *
 * @param lockDelayNanos Consul keeps a {@code time.Duration} and answers it in nanoseconds
 * @param ttl the TTL string exactly as the client sent it ("" when none), as Consul echoes it
 * @param ttlNanos the parsed TTL, 0 when the session has no TTL
 * @param nodeChecks the node health checks the session is bound to ("serfHealth" by default)
 */
record SessionRecord(
    String id,
    String name,
    String node,
    long lockDelayNanos,
    String behavior,
    String ttl,
    long ttlNanos,
    List<String> nodeChecks,
    long createIndex,
    long modifyIndex) {

  static final String RELEASE = "release";
  static final String DELETE = "delete";

  SessionRecord {
    nodeChecks = List.copyOf(nodeChecks);
  }
}
