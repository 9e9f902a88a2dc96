package org.masterha.chaos.run;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * For {@link MonotonicClockTest}: connects to the test's port and, for every byte it reads, answers
 * at once with its own {@code System.nanoTime()} as a line.
 */
public final class ClockProbe {
  private ClockProbe() {}

  public static void main(String[] args) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]))) {
      socket.setTcpNoDelay(true);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (in.read() >= 0) {
        long now = System.nanoTime();
        out.write((now + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    }
  }
}
