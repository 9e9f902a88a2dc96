package org.masterha.demo.master;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Everything logged while it is attached (event lines included), as text: messages and the whole
 * chain of any exception.
 */
final class LogCapture implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger events = (Logger) LoggerFactory.getLogger("masterha.event");
  private final Logger ours = (Logger) LoggerFactory.getLogger("org.masterha");
  private final Level oursBefore = ours.getLevel();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  /** Attached to the root and the event logger; masterha's own loggers at DEBUG meanwhile. */
  LogCapture() {
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
    events.addAppender(appender);
    ours.setLevel(Level.DEBUG);
  }

  List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(appender.list)) {
      lines.add(e.getLoggerName() + " " + e.getLevel() + " " + e.getFormattedMessage());
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        lines.add(t.getClassName() + ": " + t.getMessage());
      }
    }
    return lines;
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    events.detachAppender(appender);
    ours.setLevel(oursBefore);
    appender.stop();
  }
}
