package org.masterha.masterinfo;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * IPv4 addresses in the encoding Mesos uses for {@code MasterInfo.ip}: the raw {@code
 * in_addr.s_addr} (the four address bytes in network order, as they lie in memory) read as a
 * little-endian uint32. So {@code 127.0.0.1} is {@code 0x0100007F} = 16777343: the first octet is
 * the LOW byte. Mesos calls this a known wart (MESOS-1201) and keeps it for compatibility, so every
 * reader and writer of MasterInfo has to agree on it.
 *
 * <p>The uint32 travels in a Java {@code int} (protobuf-java's representation of uint32): the bit
 * pattern is what counts; use {@link Integer#toUnsignedLong(int)} to see the number Mesos prints.
 */
public final class Ipv4 {
  private Ipv4() {}

  /**
   * Parses a dotted quad ({@code a.b.c.d}, each a decimal 0..255 without leading zeros, as {@code
   * inet_pton} accepts it). Host names are refused: this never looks anything up.
   *
   * @return the four octets, first octet first
   * @throws IllegalArgumentException naming the problem
   */
  public static byte[] parse(String dotted) {
    Objects.requireNonNull(dotted, "ip");
    String[] parts = dotted.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException(
          invalid(dotted, "it does not have four dot-separated parts"));
    }
    byte[] octets = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty()
          || part.length() > 3
          || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException(
            invalid(dotted, "part '" + part + "' is not a decimal number 0..255"));
      }
      if (part.length() > 1 && part.charAt(0) == '0') {
        // inet_pton refuses these too; some other parsers read them as octal, so they are
        // ambiguous.
        throw new IllegalArgumentException(
            invalid(dotted, "part '" + part + "' has a leading zero"));
      }
      int value = Integer.parseInt(part);
      if (value > 255) {
        throw new IllegalArgumentException(
            invalid(dotted, "part '" + part + "' is greater than 255"));
      }
      octets[i] = (byte) value;
    }
    return octets;
  }

  /** Whether {@code text} is a dotted quad that {@link #parse} accepts. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException | NullPointerException e) {
      return false;
    }
  }

  /** The Mesos {@code MasterInfo.ip} value of a dotted quad, e.g. 127.0.0.1 -> 16777343. */
  public static int toMesos(String dotted) {
    return toMesos(parse(dotted));
  }

  /** The Mesos {@code MasterInfo.ip} value of four octets given first octet first. */
  public static int toMesos(byte[] octets) {
    if (octets.length != 4) {
      throw new IllegalArgumentException("an IPv4 address has 4 octets, got " + octets.length);
    }
    return (octets[0] & 0xFF)
        | (octets[1] & 0xFF) << 8
        | (octets[2] & 0xFF) << 16
        | (octets[3] & 0xFF) << 24;
  }

  /** The Mesos {@code MasterInfo.ip} value of an address. */
  public static int toMesos(Inet4Address address) {
    return toMesos(address.getAddress());
  }

  /** The dotted quad of a Mesos {@code MasterInfo.ip} value, e.g. 16777343 -> 127.0.0.1. */
  public static String fromMesos(int mesosIp) {
    return (mesosIp & 0xFF)
        + "."
        + (mesosIp >>> 8 & 0xFF)
        + "."
        + (mesosIp >>> 16 & 0xFF)
        + "."
        + (mesosIp >>> 24);
  }

  private static String invalid(String text, String why) {
    return "'"
        + text
        + "' is not an IPv4 address: "
        + why
        + "; expected a.b.c.d with each part 0 to 255";
  }
}
