package org.masterha.demo.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node etcd, started from its binary on free loopback ports with a temporary data
 * directory.
 */
public final class EtcdServer implements Store {
  public static final Path DEFAULT_BINARY = Path.of("/usr/bin/etcd");

  private final Process process;
  private final String endpoint;
  private final String version;
  private final Path data;

  private EtcdServer(Process process, String endpoint, String version, Path data) {
    this.process = process;
    this.endpoint = endpoint;
    this.version = version;
    this.data = data;
  }

  /**
   * Whether the binary exists; when it does not, {@link #start} fails with a message saying how to
   * install it.
   */
  public static boolean available(Path binary) {
    return Files.isExecutable(binary);
  }

  public static EtcdServer start(Path binary, Path dir) throws IOException, InterruptedException {
    if (!available(binary)) {
      throw new IOException(
          "etcd is not installed at "
              + binary
              + "; install Debian's etcd-server (apt-get install etcd-server)"
              + " or pass --etcd=PATH");
    }
    int client = Ports.free();
    int peer = Ports.free();
    Path base = Files.createDirectories(dir.resolve("etcd"));
    String clientUrl = "http://127.0.0.1:" + client;
    String peerUrl = "http://127.0.0.1:" + peer;
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                binary.toString(),
                "--name",
                "demo",
                "--data-dir",
                base.resolve("data").toString(),
                "--listen-client-urls",
                clientUrl,
                "--advertise-client-urls",
                clientUrl,
                "--listen-peer-urls",
                peerUrl,
                "--initial-advertise-peer-urls",
                peerUrl,
                "--initial-cluster",
                "demo=" + peerUrl,
                "--initial-cluster-state",
                "new"));
    if (System.getProperty("os.arch").equals("aarch64")) {
      // etcd 3.4 runs on arm64 only when told it may.
      pb.environment().put("ETCD_UNSUPPORTED_ARCH", "arm64");
    }
    pb.redirectErrorStream(true);
    pb.redirectOutput(base.resolve("etcd.log").toFile());
    Process p = pb.start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String version = "";
    while (true) {
      if (!p.isAlive()) {
        throw new IOException(
            "etcd exited with code "
                + p.exitValue()
                + " while starting; see "
                + base.resolve("etcd.log"));
      }
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(clientUrl + "/health"))
                    .timeout(Duration.ofSeconds(1))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200 && health.body().contains("true")) {
          HttpResponse<String> v =
              http.send(
                  HttpRequest.newBuilder(URI.create(clientUrl + "/version")).build(),
                  HttpResponse.BodyHandlers.ofString());
          version = v.body().replaceAll(".*\"etcdserver\":\"([^\"]*)\".*", "$1");
          break;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException(
            "etcd did not become healthy within 30s; see " + base.resolve("etcd.log"));
      }
      // Polling a server that gives no readiness signal, bounded by the deadline above.
      p.waitFor(100, TimeUnit.MILLISECONDS);
    }
    return new EtcdServer(p, "127.0.0.1:" + client, version, base.resolve("data"));
  }

  @Override
  public String backend() {
    return "etcd";
  }

  @Override
  public String url(String basePath) {
    return "etcd://" + endpoint + basePath;
  }

  @Override
  public String describe() {
    return "etcd " + version + " (pid " + process.pid() + ") at " + endpoint;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    DataDirs.delete(data);
  }
}
