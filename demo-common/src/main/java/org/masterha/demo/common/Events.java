package org.masterha.demo.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per state change, machine-parsable so the demo launcher and the end-to-end tests can
 * follow a process without scraping prose: {@code EVENT <kind> name=m1 k=v ... t=<epoch millis>}.
 * Values with spaces are quoted. They go to the {@code masterha.event} logger, which the bundled
 * logback.xml prints on standard output.
 */
public final class Events {
  public static final String LOGGER = "masterha.event";
  private static final Logger log = LoggerFactory.getLogger(LOGGER);
  private static final Pattern LINE = Pattern.compile("EVENT (\\S+)(.*)$");
  private static final Pattern PAIR =
      Pattern.compile("(\\w[\\w.-]*)=(\"((?:[^\"\\\\]|\\\\.)*)\"|\\S*)");

  private final String name;

  public Events(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /**
   * Emits {@code EVENT kind name=<name> k1=v1 ...}; {@code keyValues} alternate keys and values.
   */
  public void emit(String kind, Object... keyValues) {
    log.info(format(kind, name, System.currentTimeMillis(), keyValues));
  }

  static String format(String kind, String name, long millis, Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values come in pairs");
    }
    StringBuilder sb =
        new StringBuilder("EVENT ").append(kind).append(" name=").append(quote(name));
    for (int i = 0; i < keyValues.length; i += 2) {
      sb.append(' ')
          .append(keyValues[i])
          .append('=')
          .append(quote(String.valueOf(keyValues[i + 1])));
    }
    return sb.append(" t=").append(millis).toString();
  }

  private static String quote(String v) {
    if (!v.isEmpty() && v.chars().noneMatch(c -> c == ' ' || c == '"' || c == '\\' || c < 0x20)) {
      return v;
    }
    return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + '"';
  }

  /** An event read back from a line; null when the line holds none. */
  public record Event(String kind, Map<String, String> fields) {
    public String get(String key) {
      return fields.get(key);
    }

    public String name() {
      return fields.get("name");
    }

    public long epoch() {
      return Long.parseLong(fields.get("epoch"));
    }

    public long millis() {
      String t = fields.get("t");
      return t == null ? System.currentTimeMillis() : Long.parseLong(t);
    }
  }

  public static Event parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.find()) {
      return null;
    }
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher p = PAIR.matcher(m.group(2));
    while (p.find()) {
      String v =
          p.group(3) != null ? p.group(3).replace("\\\"", "\"").replace("\\\\", "\\") : p.group(2);
      fields.put(p.group(1), v);
    }
    return new Event(m.group(1), fields);
  }
}
