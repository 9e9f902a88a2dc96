package org.masterha.ha.spi;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.concurrent.ThreadFactory;

/**
 * Threads for a backend's event loop, timers and I/O pools: daemon threads, so a session the
 * application forgot to close never keeps the JVM alive, named {@code <prefix>-<n>} so a thread
 * dump says whose they are.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory named(String prefix) {
    // The prefix holds user input (a base path); '%' would be read as a format directive.
    return new ThreadFactoryBuilder()
        .setNameFormat(prefix.replace("%", "%%") + "-%d")
        .setDaemon(true)
        .build();
  }
}
