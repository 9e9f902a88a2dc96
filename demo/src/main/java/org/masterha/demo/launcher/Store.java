package org.masterha.demo.launcher;

/** The coordination store the demo's processes share. */
public interface Store extends AutoCloseable {
  /** The backend's name, as {@code --ha-backend} takes it. */
  String backend();

  /** The HA URL for masters under {@code basePath}. */
  String url(String basePath);

  /** One line for the timeline, e.g. "embedded ZooKeeper 3.9.4 at 127.0.0.1:40123". */
  String describe();

  @Override
  void close();
}
