package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.masterha.ha.error.HaConfigException;

class DurationsTest {
  @ParameterizedTest
  @CsvSource({
    "500ms, 500",
    "10s, 10000",
    "2m, 120000",
    "1h, 3600000",
    "0s, 0",
    "' 10S ', 10000",
    "PT10S, 10000",
    "pt1.5s, 1500",
    "PT2M30S, 150000",
  })
  void parsesOperatorAndIsoForms(String text, long millis) {
    assertThat(Durations.parse(text, "timeout")).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10", "ten seconds", "10 s", "1d", "-1s", "1.5s", "s", "10sec"})
  void refusesOtherTextNamingWhatAndTheAcceptedForms(String text) {
    assertThatThrownBy(() -> Durations.parse(text, "session timeout"))
        .isInstanceOf(HaConfigException.class)
        .hasMessage(
            "session timeout '"
                + text
                + "' is not a duration; expected e.g. 500ms, 10s, 2m, 1h or PT10S");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" "})
  void refusesEmptyText(String text) {
    assertThatThrownBy(() -> Durations.parse(text, "session timeout"))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout is empty; expected a duration such as 500ms, 10s, 2m or 1h");
  }

  @Test
  void refusesNumbersTooLargeForALong() {
    assertThatThrownBy(() -> Durations.parse("99999999999999999999s", "session timeout"))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout '99999999999999999999s' is too large");
  }

  @ParameterizedTest
  @CsvSource({
    "1500, 1500ms",
    "10000, 10s",
    "90000, 90s",
    "120000, 2m",
    "3600000, 1h",
    "5400000, 90m",
    "129600000, 36h",
    "0, 0s",
    "1, 1ms",
  })
  void formatsTheShortestExactUnit(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(Durations.parse(text, "d")).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"9223372036854775807h", "9223372036854775807m", "153722867280912931m"})
  void refusesValuesThatOverflowADurationAsTooLarge(String text) {
    assertThatThrownBy(() -> Durations.parse(text, "session timeout"))
        .isInstanceOf(HaConfigException.class)
        .hasMessage("session timeout '" + text + "' is too large");
  }

  @Test
  void formatsEveryDurationSoThatParseReadsItBack() {
    for (Duration d :
        java.util.List.of(
            Duration.ofNanos(1),
            Duration.ofNanos(1500),
            Duration.ofMillis(1).plusNanos(1),
            Duration.ofSeconds(Long.MAX_VALUE),
            Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
            Duration.ofSeconds(Long.MAX_VALUE / 1000, 5_000_000),
            Duration.ofSeconds(Long.MAX_VALUE / 3600 * 3600),
            Duration.ofMillis(500),
            Duration.ofMinutes(61))) {
      assertThat(Durations.parse(Durations.format(d), "d")).as(d.toString()).isEqualTo(d);
    }
    assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("PT0.0000015S");
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE)))
        .isEqualTo("9223372036854775807s");
  }
}
