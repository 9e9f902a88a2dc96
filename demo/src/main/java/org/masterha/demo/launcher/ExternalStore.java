package org.masterha.demo.launcher;

/** A store someone else runs (Consul, given by address): the demo only builds URLs for it. */
public final class ExternalStore implements Store {
  private final String backend;
  private final String scheme;
  private final String hostPort;

  public ExternalStore(String backend, String scheme, String hostPort) {
    this.backend = backend;
    this.scheme = scheme;
    this.hostPort = hostPort;
  }

  @Override
  public String backend() {
    return backend;
  }

  @Override
  public String url(String basePath) {
    return scheme + "://" + hostPort + basePath;
  }

  @Override
  public String describe() {
    return backend + " at " + hostPort + " (not started by the demo)";
  }

  @Override
  public void close() {}
}
