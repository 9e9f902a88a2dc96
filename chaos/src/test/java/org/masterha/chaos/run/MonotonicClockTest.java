package org.masterha.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.stores.JavaProcess;

/**
 * The campaign merges the history files of many processes by {@code System.nanoTime()}. That is
 * sound only if every JVM on the host reads the same clock: on Linux, HotSpot's nanoTime is {@code
 * clock_gettime(CLOCK_MONOTONIC)}, one clock for the whole system (not per process, no per-process
 * origin). Here two other JVMs answer a byte with their nanoTime at once; each answer must fall
 * between this JVM's nanoTime just before sending and just after receiving. On separate clocks with
 * their own origins (as on some other systems) the readings would be seconds or hours apart.
 */
class MonotonicClockTest {
  @TempDir Path dir;

  @Test
  void everyJvmOnTheHostReadsTheSameMonotonicClock() throws Exception {
    List<JavaProcess> probes = new ArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      List<Socket> sockets = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        probes.add(
            JavaProcess.start(
                "probe" + i,
                List.of("-Xmx32m", "-XX:+UseSerialGC"),
                ClockProbe.class.getName(),
                List.of(Integer.toString(server.getLocalPort())),
                dir.resolve("probe" + i + ".log")));
      }
      server.setSoTimeout(60_000);
      for (int i = 0; i < 2; i++) {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        sockets.add(s);
      }
      long worstRoundTrip = 0;
      for (int round = 0; round < 50; round++) {
        for (Socket s : sockets) {
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
          long before = System.nanoTime();
          s.getOutputStream().write(1);
          s.getOutputStream().flush();
          long theirs = Long.parseLong(in.readLine());
          long after = System.nanoTime();
          assertThat(theirs)
              .as("the other JVM's nanoTime lies between ours before sending and after receiving")
              .isBetween(before, after);
          worstRoundTrip = Math.max(worstRoundTrip, after - before);
        }
      }
      // The bound is the round trip; on a sane host it is well under a few milliseconds.
      assertThat(Duration.ofNanos(worstRoundTrip)).isLessThan(Duration.ofSeconds(1));
      for (Socket s : sockets) {
        s.close();
      }
    } finally {
      for (JavaProcess p : probes) {
        p.stop(Duration.ofSeconds(5));
      }
    }
  }
}
