package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.masterha.ha.group.Membership;
import org.masterha.ha.spi.MemberLabels;

class MemberNameTest {
  @Test
  void mesosJsonMember() {
    Membership m = MemberName.parse("json.info_0000000003").orElseThrow();
    assertThat(m.id()).isEqualTo("json.info_0000000003");
    assertThat(m.sequence()).isEqualTo(3);
    assertThat(m.label()).contains("json.info");
  }

  @Test
  void legacyProtobufMember() {
    Membership m = MemberName.parse("info_0000000012").orElseThrow();
    assertThat(m.sequence()).isEqualTo(12);
    assertThat(m.label()).contains("info");
  }

  @Test
  void unlabelledMemberIsItsSequence() {
    Membership m = MemberName.parse("0000000007").orElseThrow();
    assertThat(m.sequence()).isEqualTo(7);
    assertThat(m.label()).isEmpty();
  }

  @Test
  void largestSequence() {
    assertThat(MemberName.parse("json.info_2147483647").orElseThrow().sequence())
        .isEqualTo(2147483647L);
  }

  @Test
  void onlyTheLastUnderscoreSeparatesTheSequence() {
    Membership m = MemberName.parse("my_label_0000000001").orElseThrow();
    assertThat(m.label()).contains("my_label");
    assertThat(m.sequence()).isEqualTo(1);
  }

  @Test
  void anEmptyLabelIsNoLabelAsInMesos() {
    assertThat(MemberName.parse("_0000000001").orElseThrow().label()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "log_replicas",
        "state",
        "json.info_",
        "json.info_123",
        "json.info_00000000012",
        "-2147483648",
        "json.info-0000000001",
        "json.info_000000000x",
        "000000001",
        ""
      })
  void childrenWithoutATenDigitSequenceAreNotMembers(String name) {
    assertThat(MemberName.parse(name)).isEmpty();
  }

  @Test
  void prefixes() {
    assertThat(MemberName.prefix(Optional.of("json.info"))).isEqualTo("json.info_");
    assertThat(MemberName.prefix(Optional.empty())).isEmpty();
  }

  @Test
  void everyLabelTheKitAcceptsParsesBackFromItsZnodeName() {
    for (String label : new String[] {"json.info", "info", "log_replicas", "a_b_c", "A-1.b", "9"}) {
      assertThat(MemberLabels.refusal(Optional.of(label))).as(label).isEmpty();
      assertThat(
              MemberName.parse(MemberName.prefix(Optional.of(label)) + "0000000003")
                  .orElseThrow()
                  .label())
          .as(label)
          .contains(label);
    }
  }
}
