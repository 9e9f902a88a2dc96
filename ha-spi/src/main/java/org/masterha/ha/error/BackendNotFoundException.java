package org.masterha.ha.error;

import java.util.List;

/** No backend on the classpath answers to the name or URL scheme asked for. */
public class BackendNotFoundException extends HaConfigException {
  private static final long serialVersionUID = 1L;
  private final List<String> available;

  public BackendNotFoundException(String message, List<String> available) {
    super(message);
    this.available = List.copyOf(available);
  }

  /** The backends that are on the classpath. */
  public List<String> available() {
    return available;
  }
}
