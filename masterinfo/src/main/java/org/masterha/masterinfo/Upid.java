package org.masterha.masterinfo;

import java.util.Objects;

/**
 * A libprocess process id, {@code id@ip:port} (e.g. {@code master@127.0.0.1:5050}): what a Mesos
 * master puts in {@code MasterInfo.pid}, what the oldest Mesos masters stored as a bare group
 * member, and what replicated-log replicas publish.
 *
 * <p>libprocess splits at the first {@code '@'} and the first {@code ':'} after it and resolves the
 * host with DNS. A UPID written by libprocess always carries a numeric IPv4 address, and this class
 * accepts only that: it never looks names up.
 *
 * @param id the process id, e.g. {@code master}; not empty, no {@code '@'} and no white space
 * @param ip an IPv4 dotted quad
 * @param port 0 to 65535 (libprocess reads it as an unsigned short)
 */
public record Upid(String id, String ip, int port) {
  public Upid {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ip, "ip");
    if (id.isEmpty()) {
      throw new IllegalArgumentException(
          "a UPID needs a process id before the '@', e.g. master@127.0.0.1:5050");
    }
    if (id.indexOf('@') >= 0 || id.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "UPID process id '" + id + "' must not contain '@' or white space");
    }
    Ipv4.parse(ip);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "UPID port " + port + " is out of range; accepted: 0 to 65535");
    }
  }

  /**
   * Parses {@code id@ip:port}. Leading and trailing white space is ignored (libprocess reads a UPID
   * with {@code operator>>}, which skips it).
   *
   * @throws IllegalArgumentException naming what is wrong and what is accepted
   */
  public static Upid parse(String text) {
    Objects.requireNonNull(text, "upid");
    String s = text.strip();
    String shown = "UPID '" + printable(s) + "'";
    if (s.isEmpty()) {
      throw new IllegalArgumentException(
          "the UPID is empty; expected id@ip:port, e.g. master@127.0.0.1:5050");
    }
    if (s.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          shown + " contains white space; expected id@ip:port, e.g. master@127.0.0.1:5050");
    }
    int at = s.indexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException(
          shown + " has no '@'; expected id@ip:port, e.g. master@127.0.0.1:5050");
    }
    if (at == 0) {
      throw new IllegalArgumentException(
          shown
              + " has an empty process id before the '@'; expected id@ip:port, e.g. master@127.0.0.1:5050");
    }
    String id = s.substring(0, at);
    String rest = s.substring(at + 1);
    int colon = rest.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          shown + " has no ':port'; expected id@ip:port, e.g. master@127.0.0.1:5050");
    }
    String host = rest.substring(0, colon);
    String portText = rest.substring(colon + 1);
    if (!Ipv4.isValid(host)) {
      throw new IllegalArgumentException(
          shown
              + " has host '"
              + host
              + "', which is not an IPv4 address; expected a.b.c.d (host names are not resolved)");
    }
    if (portText.isEmpty()
        || portText.length() > 5
        || !portText.chars().allMatch(c -> c >= '0' && c <= '9')
        || Integer.parseInt(portText) > 65535) {
      throw new IllegalArgumentException(
          shown + " has port '" + portText + "', which is not a port number; accepted: 0 to 65535");
    }
    return new Upid(id, host, Integer.parseInt(portText));
  }

  /** The address in Mesos' {@code MasterInfo.ip} encoding (see {@link Ipv4}). */
  public int mesosIp() {
    return Ipv4.toMesos(ip);
  }

  /** {@code id@ip:port}, as libprocess prints it. */
  @Override
  public String toString() {
    return id + "@" + ip + ":" + port;
  }

  /**
   * Member data is anyone's: keep control characters out of messages and logs, and keep them short.
   */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints()
        .limit(100)
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return s.codePointCount(0, s.length()) > 100 ? b + "..." : b.toString();
  }
}
