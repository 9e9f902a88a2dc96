package org.masterha.stores;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The project's Consul fake (a fake of Consul's HTTP API, not a real Consul) in a JVM of its own,
 * so a benchmark or a campaign measures and faults it as a separate server. It can be killed,
 * paused and resumed; its state lives in memory, so a restart starts empty.
 */
public final class FakeConsulProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final String MAIN = "org.masterha.consul.fake.FakeConsul";

  private final JavaProcess process;
  private final int port;

  private FakeConsulProcess(JavaProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts the fake on a free loopback port; {@code fakeArgs} are its own flags (e.g. {@code
   * --session-ttl-min 1s}).
   */
  public static FakeConsulProcess start(List<String> fakeArgs, Path logDir)
      throws IOException, InterruptedException {
    int port = Ports.free(new HashSet<>());
    List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port)));
    args.addAll(fakeArgs);
    Path log = logDir.toAbsolutePath().resolve("consul-fake-" + port + ".log");
    JavaProcess p =
        JavaProcess.start(
            "consul-fake", List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC"), MAIN, args, log);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the Consul fake exited at start:\n" + p.logTail(20));
      }
      if (Files.readString(log).contains("listening on")) {
        return new FakeConsulProcess(p, port);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    p.kill();
    throw new IllegalStateException(
        "the Consul fake did not listen within " + START_TIMEOUT + ":\n" + p.logTail(20));
  }

  /** {@code http://127.0.0.1:port}. */
  public String httpUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public JavaProcess process() {
    return process;
  }

  @Override
  public void close() throws InterruptedException {
    process.stop(Duration.ofSeconds(10));
  }
}
