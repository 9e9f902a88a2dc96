package org.masterha.ha.embed;

import java.io.Closeable;
import java.io.IOException;

/** A running peer of an embedded store; {@link #close()} stops it and releases its port. */
public interface EmbeddedStore extends Closeable {
  /** One line for logs, e.g. "raft peer n1 at 127.0.0.1:7070 (data in /var/lib/masterha/raft)". */
  String describe();

  @Override
  void close() throws IOException;
}
