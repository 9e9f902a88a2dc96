package org.masterha.demo.agent;

import java.util.Optional;
import java.util.function.Consumer;
import org.masterha.proto.MasterInfo;

/** Where an agent learns who leads: the store through the SPI, or masters' WatchLeader streams. */
interface LeaderSource extends AutoCloseable {
  /** A leader as reported, with the epoch it leads in and where the report came from. */
  record Sighting(MasterInfo info, long epoch, String via) {}

  /**
   * Starts reporting: {@code onChange} gets each new answer, empty for "no leader"; {@code onFatal}
   * gets an error after which nothing more will be reported.
   */
  void start(Consumer<Optional<Sighting>> onChange, Consumer<Throwable> onFatal);

  /**
   * The agent cannot reach the master at {@code endpoint} ({@code host:port}). A source that
   * listens to that very master moves on: a frozen master keeps its streams open but silent, so
   * they would never report its successor.
   */
  default void unreachable(String endpoint) {}

  /** What the source watches, for logs. */
  String describe();

  @Override
  void close();
}
