package org.masterha.masterinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4Test {
  @ParameterizedTest
  @CsvSource({
    // dotted, Mesos MasterInfo.ip (the little-endian s_addr, printed unsigned)
    "127.0.0.1, 16777343",
    "0.0.0.0, 0",
    "255.255.255.255, 4294967295",
    "10.0.0.1, 16777226",
    "1.0.0.0, 1",
    "0.0.0.1, 16777216",
    "192.168.1.2, 33663168",
    "128.0.0.0, 128",
    "0.0.0.128, 2147483648",
  })
  void encodesTheFirstOctetAsTheLowByte(String dotted, long mesos) {
    int encoded = Ipv4.toMesos(dotted);

    assertThat(Integer.toUnsignedLong(encoded)).isEqualTo(mesos);
    assertThat(Ipv4.fromMesos(encoded)).isEqualTo(dotted);
  }

  @Test
  void agreesWithTheJdksAddressBytes() throws Exception {
    Inet4Address address =
        (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 172, 16, (byte) 254, 3});

    assertThat(Ipv4.toMesos(address)).isEqualTo(Ipv4.toMesos("172.16.254.3"));
    assertThat(Ipv4.parse("172.16.254.3")).containsExactly(address.getAddress());
  }

  @Test
  void everyBitPatternRoundTrips() {
    for (long v = 0; v <= 0xFFFF_FFFFL; v += 0x01010101L / 3) {
      int ip = (int) v;
      assertThat(Ipv4.toMesos(Ipv4.fromMesos(ip))).isEqualTo(ip);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "1.2.3",
        "1.2.3.4.5",
        "256.0.0.1",
        "1.2.3.-4",
        "01.2.3.4",
        "1..3.4",
        "a.b.c.d",
        " 1.2.3.4",
        "1.2.3.4 ",
        "localhost",
        "::1",
        "1.2.3.4:5050",
        "+1.2.3.4",
        "1.2.3.1000",
        "\u0661.2.3.4"
      })
  void refusesAnythingButAPlainDottedQuad(String text) {
    assertThat(Ipv4.isValid(text)).isFalse();
    assertThatThrownBy(() -> Ipv4.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an IPv4 address")
        .hasMessageContaining("expected a.b.c.d with each part 0 to 255");
  }

  @Test
  void saysWhichPartIsWrong() {
    assertThatThrownBy(() -> Ipv4.parse("10.300.0.1"))
        .hasMessageContaining("part '300' is greater than 255");
    assertThatThrownBy(() -> Ipv4.parse("10.0.01.1"))
        .hasMessageContaining("part '01' has a leading zero");
    assertThatThrownBy(() -> Ipv4.parse("10.0.1"))
        .hasMessageContaining("does not have four dot-separated parts");
  }

  @Test
  void refusesAWrongNumberOfOctets() {
    assertThatThrownBy(() -> Ipv4.toMesos(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 octets, got 3");
  }
}
