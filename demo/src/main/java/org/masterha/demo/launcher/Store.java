package org.masterha.demo.launcher;

/** The coordination store the demo's processes share. */
public interface Store extends AutoCloseable {
  /** The backend's name, as {@code --ha-backend} takes it. */
  String backend();

  /** The HA URL for masters under {@code basePath}. */
  String url(String basePath);

  /**
   * Flags master {@code master} (m1, m2, ...) needs beyond the HA URL, e.g. to run a peer of a
   * store the masters make up themselves; none by default.
   */
  default java.util.List<String> masterFlags(String master) {
    return java.util.List.of();
  }

  /** One line for the timeline, e.g. "embedded ZooKeeper 3.9.4 at 127.0.0.1:40123". */
  String describe();

  @Override
  void close();
}
