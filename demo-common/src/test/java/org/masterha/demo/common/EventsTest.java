package org.masterha.demo.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventsTest {
  @Test
  void linesRoundTripIncludingQuotedValues() {
    String line =
        "12:00:00.000 "
            + Events.format(
                "refused",
                "a1",
                42L,
                "master",
                "master@127.0.0.1:5050",
                "epoch",
                3,
                "reason",
                "its epoch 3 is below \"7\"");
    assertThat(line)
        .contains(
            "EVENT refused name=a1 master=master@127.0.0.1:5050 epoch=3 reason=\"its epoch 3 is below \\\"7\\\"\" t=42");
    Events.Event e = Events.parse(line);
    assertThat(e.kind()).isEqualTo("refused");
    assertThat(e.name()).isEqualTo("a1");
    assertThat(e.epoch()).isEqualTo(3);
    assertThat(e.get("reason")).isEqualTo("its epoch 3 is below \"7\"");
    assertThat(e.millis()).isEqualTo(42);
    assertThat(Events.parse("12:00:00.000 INFO something else")).isNull();
  }
}
