package org.masterha.masterinfo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.DESIGN_GOLDEN;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.designExample;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.masterha.proto.Address;
import org.masterha.proto.MasterInfo;

/** decode(label, data): the three member forms a Mesos detector reads, and nothing else. */
class MasterInfoDecodeTest {
  static final Optional<String> JSON = Optional.of(MasterInfoCodec.JSON_LABEL);
  static final Optional<String> PROTOBUF = Optional.of(MasterInfoCodec.PROTOBUF_LABEL);
  static final Optional<String> NONE = Optional.empty();

  @Test
  void jsonInfoMemberIsJson() {
    assertThat(MasterInfoCodec.decode(JSON, DESIGN_GOLDEN.getBytes(UTF_8)))
        .isEqualTo(designExample());
  }

  @Test
  void jsonInfoMemberErrorsSayWhichMemberForm() {
    assertThatThrownBy(() -> MasterInfoCodec.decode(JSON, "{\"ip\":1,\"port\":2}".getBytes(UTF_8)))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessage("'json.info' member data is missing required field(s): id");
  }

  @Test
  void infoMemberIsABinaryProtobufAsMesosBefore024WroteIt() {
    MasterInfo legacy =
        MasterInfo.newBuilder()
            .setId("20150101-1")
            .setIp(Ipv4.toMesos("10.0.0.1"))
            .setPort(5050)
            .setPid("master@10.0.0.1:5050")
            .setHostname("m1")
            .build();

    assertThat(MasterInfoCodec.decode(PROTOBUF, legacy.toByteArray())).isEqualTo(legacy);
  }

  @Test
  void infoMemberFromANewerWriterKeepsKnownFieldsAndSkipsUnknownOnes() {
    byte[] known = designExample().toByteArray();
    // Field 99, varint 7: a field this MasterInfo does not know.
    byte[] data = java.util.Arrays.copyOf(known, known.length + 3);
    data[known.length] = (byte) 0x98;
    data[known.length + 1] = 0x06;
    data[known.length + 2] = 0x07;

    MasterInfo decoded = MasterInfoCodec.decode(PROTOBUF, data);

    assertThat(MasterInfoCodec.toJson(decoded)).isEqualTo(DESIGN_GOLDEN.getBytes(UTF_8));
  }

  @Test
  void infoMemberWithoutRequiredFieldsIsRefusedNamingThem() {
    byte[] partial =
        MasterInfo.newBuilder()
            .setId("x")
            .setAddress(Address.newBuilder().setIp("1.2.3.4").buildPartial())
            .buildPartial()
            .toByteArray();

    assertThatThrownBy(() -> MasterInfoCodec.decode(PROTOBUF, partial))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessage(
            "'info' member data (binary protobuf MasterInfo) is missing required field(s): ip, port, address.port");
  }

  @Test
  void infoMemberWithBrokenProtobufIsRefused() {
    byte[] truncated = java.util.Arrays.copyOf(designExample().toByteArray(), 10);

    assertThatThrownBy(() -> MasterInfoCodec.decode(PROTOBUF, truncated))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageStartingWith("'info' member data is not a binary protobuf MasterInfo: ");
  }

  @Test
  void jsonUnderTheInfoLabelIsNotAMasterInfo() {
    assertThatThrownBy(() -> MasterInfoCodec.decode(PROTOBUF, DESIGN_GOLDEN.getBytes(UTF_8)))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageStartingWith("'info' member data ");
  }

  @Test
  void unlabelledMemberIsABareUpidBuiltIntoAMasterInfoAsMesosDoes() {
    MasterInfo info = MasterInfoCodec.decode(NONE, "master@10.0.0.1:5051".getBytes(UTF_8));

    assertThat(info.getId()).startsWith("master@10.0.0.1:5051-");
    assertThat(java.util.UUID.fromString(info.getId().substring("master@10.0.0.1:5051-".length())))
        .isNotNull();
    assertThat(info.getIp()).isEqualTo(16777226);
    assertThat(info.getPort()).isEqualTo(5051);
    assertThat(info.getPid()).isEqualTo("master@10.0.0.1:5051");
    assertThat(info.getAddress())
        .isEqualTo(Address.newBuilder().setIp("10.0.0.1").setPort(5051).build());
    assertThat(info.hasHostname()).isFalse();
    assertThat(info.getCapabilitiesCount()).isZero();
  }

  @Test
  void aBareUpidDecodesToTheSameMasterInfoEveryTimeAndDifferentUpidsDiffer() {
    MasterInfo a = MasterInfoCodec.decode(NONE, "master@127.0.0.1:5050".getBytes(UTF_8));
    MasterInfo b = MasterInfoCodec.decode(NONE, " master@127.0.0.1:5050\n".getBytes(UTF_8));
    MasterInfo c = MasterInfoCodec.decode(NONE, "master@127.0.0.1:5051".getBytes(UTF_8));

    assertThat(a).isEqualTo(b);
    assertThat(a.getId()).isNotEqualTo(c.getId());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "garbage | has no '@'",
        "master@localhost:5050 | host 'localhost', which is not an IPv4 address",
        "master@127.0.0.1 | has no ':port'",
        "master@127.0.0.1:65536 | port '65536', which is not a port number; accepted: 0 to 65535",
        "master@127.0.0.1:50x | port '50x'",
        "@127.0.0.1:5050 | empty process id",
        "master@127.0.0.1:5050 trailing | contains white space",
        "{\"id\":\"x\"} | has no '@'",
      })
  void unlabelledMemberThatIsNotAUpidIsRefused(String data, String message) {
    assertThatThrownBy(() -> MasterInfoCodec.decode(NONE, data.getBytes(UTF_8)))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageStartingWith("unlabelled member data is not a UPID: ")
        .hasMessageContaining(message);
  }

  @Test
  void unlabelledMemberThatIsNotUtf8IsRefused() {
    assertThatThrownBy(() -> MasterInfoCodec.decode(NONE, new byte[] {'m', '@', (byte) 0xFF}))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessage("unlabelled member data is not valid UTF-8: invalid byte 0xFF at offset 2");
  }

  @Test
  void controlCharactersInMemberDataAreNotEchoedRaw() {
    assertThatThrownBy(() -> MasterInfoCodec.decode(NONE, "m\u001b[31m".getBytes(UTF_8)))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageContaining("'m\\u001b[31m'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"json.info", "info", ""})
  void emptyDataIsRefusedForEveryForm(String label) {
    Optional<String> l = label.isEmpty() ? NONE : Optional.of(label);

    assertThatThrownBy(() -> MasterInfoCodec.decode(l, new byte[0]))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageContaining("is empty; expected a MasterInfo");
  }

  @ParameterizedTest
  @ValueSource(strings = {"log_replicas", "json", "JSON.INFO", "", "info.json"})
  void anyOtherLabelIsUnsupported(String label) {
    assertThatThrownBy(
            () -> MasterInfoCodec.decode(Optional.of(label), DESIGN_GOLDEN.getBytes(UTF_8)))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageStartingWith("unsupported label '" + label + "'")
        .hasMessageContaining("json.info (JSON), info (binary protobuf) or none (bare UPID)");
  }
}
