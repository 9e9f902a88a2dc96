package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's time.Duration text, which Consul uses for TTLs, lock-delays, ?wait and its messages. */
class GoDurationTest {

  @ParameterizedTest
  @CsvSource({
    "0, 0s",
    "1, 1ns",
    "1500, 1.5µs",
    "250000000, 250ms",
    "1000000000, 1s",
    "1500000000, 1.5s",
    "10000000000, 10s",
    "90000000000, 1m30s",
    "3600000000000, 1h0m0s",
    "86400000000000, 24h0m0s",
    "-2000000000, -2s"
  })
  void formatsLikeGo(long nanos, String text) {
    assertThat(GoDuration.format(nanos)).isEqualTo(text);
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "10s, 10000000000",
    "1.5s, 1500000000",
    "500ms, 500000000",
    "1m30s, 90000000000",
    "2h45m, 9900000000000",
    "86400s, 86400000000000",
    "100us, 100000",
    "+3s, 3000000000",
    "-1m, -60000000000",
    ".5s, 500000000"
  })
  void parsesLikeGo(String text, long nanos) {
    assertThat(GoDuration.parseNanos(text)).isEqualTo(nanos);
  }

  @Test
  void rejectsWhatGoRejectsWithGosMessages() {
    assertThatThrownBy(() -> GoDuration.parseNanos("10"))
        .hasMessage("time: missing unit in duration \"10\"");
    assertThatThrownBy(() -> GoDuration.parseNanos("1d"))
        .hasMessage("time: unknown unit \"d\" in duration \"1d\"");
    assertThatThrownBy(() -> GoDuration.parseNanos("")).hasMessage("time: invalid duration \"\"");
    assertThatThrownBy(() -> GoDuration.parseNanos("s")).hasMessage("time: invalid duration \"s\"");
    assertThatThrownBy(() -> GoDuration.parseNanos("PT10S"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
