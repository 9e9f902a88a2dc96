package org.masterha.masterinfo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.DESIGN_GOLDEN;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.designExample;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.domain;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.masterha.proto.MasterInfo;
import org.masterha.proto.MasterInfo.Capability;

class MasterInfoJsonReaderTest {
  static MasterInfo read(String json) {
    return MasterInfoCodec.fromJson(json.getBytes(UTF_8));
  }

  @Test
  void designExampleReadsBackAndIsRewrittenToTheSameBytes() {
    MasterInfo info = read(DESIGN_GOLDEN);

    assertThat(info).isEqualTo(designExample());
    assertThat(Ipv4.fromMesos(info.getIp())).isEqualTo("127.0.0.1");
    assertThat(MasterInfoCodec.toJson(info)).isEqualTo(DESIGN_GOLDEN.getBytes(UTF_8));
  }

  @Test
  void everyFieldRoundTrips() {
    MasterInfo info =
        designExample().toBuilder()
            .setIp(Ipv4.toMesos("255.255.255.255"))
            .setHostname("h\u00e9/\"\\\u0001\u007f\ud83d\ude00")
            .setDomain(domain("r", "z"))
            .addCapabilities(Capability.newBuilder().setType(Capability.Type.AGENT_UPDATE))
            .addCapabilities(Capability.getDefaultInstance())
            .build();

    for (MesosJsonDialect dialect : MesosJsonDialect.values()) {
      assertThat(MasterInfoCodec.fromJson(MasterInfoCodec.toJson(info, dialect)))
          .as(dialect.name())
          .isEqualTo(info);
    }
  }

  @Test
  void keyOrderAndWhiteSpaceDoNotMatter() {
    MasterInfo info = read(" {\n \"port\" : 5050 , \"ip\":16777343,\t\"id\":\"x\" }\n");

    assertThat(info)
        .isEqualTo(MasterInfo.newBuilder().setId("x").setIp(16777343).setPort(5050).build());
  }

  @Test
  void escapesAreDecodedIncludingSlashAndSurrogatePairs() {
    MasterInfo info =
        read(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"hostname\":\"a\\/b\\u00e9\\u00E9\\ud83d\\ude00\\n\"}");

    assertThat(info.getHostname()).isEqualTo("a/b\u00e9\u00e9\ud83d\ude00\n");
  }

  @Test
  void rawUtf8IsDecoded() {
    assertThat(read("{\"id\":\"\u30db\u30b9\u30c8\",\"ip\":1,\"port\":2}").getId())
        .isEqualTo("\u30db\u30b9\u30c8");
  }

  @Test
  void unknownFieldsFromANewerMesosAreIgnoredAtEveryLevel() {
    MasterInfo info =
        read(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"future\":{\"a\":[1,2]},\"flag\":true,"
                + "\"address\":{\"ip\":\"0.0.0.1\",\"port\":2,\"scheme\":\"https\"},"
                + "\"domain\":{\"fault_domain\":{\"region\":{\"name\":\"r\",\"x\":1},\"zone\":{\"name\":\"z\"}},\"rack\":\"7\"},"
                + "\"capabilities\":[{\"type\":\"AGENT_UPDATE\",\"since\":\"1.5\"}]}");

    assertThat(info.getAddress().getIp()).isEqualTo("0.0.0.1");
    assertThat(info.getDomain()).isEqualTo(domain("r", "z"));
    assertThat(info.getCapabilitiesList())
        .extracting(Capability::getType)
        .containsExactly(Capability.Type.AGENT_UPDATE);
  }

  @Test
  void anUnknownCapabilityNameIsKeptAsACapabilityWithoutType() {
    // proto2 drops an unknown value of an optional enum; Mesos' JSON parser does the same.
    MasterInfo info =
        read(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"capabilities\":[{\"type\":\"TELEPORT\"},{\"type\":\"QUOTA_V2\"}]}");

    assertThat(info.getCapabilitiesCount()).isEqualTo(2);
    assertThat(info.getCapabilities(0).hasType()).isFalse();
    assertThat(info.getCapabilities(1).getType()).isEqualTo(Capability.Type.QUOTA_V2);
  }

  @Test
  void nullLeavesAFieldUnset() {
    MasterInfo info =
        read(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"hostname\":null,\"address\":null,\"capabilities\":null}");

    assertThat(info.hasHostname()).isFalse();
    assertThat(info.hasAddress()).isFalse();
    assertThat(info.getCapabilitiesCount()).isZero();
  }

  @Test
  void anIntegralFloatIsAcceptedForAnIntegerField() {
    // Mesos' parser takes any JSON number for an integer field; a writer printing doubles gives
    // these.
    assertThat(read("{\"id\":\"x\",\"ip\":16777343.0,\"port\":5.05e3}").getPort()).isEqualTo(5050);
    assertThat(read("{\"id\":\"x\",\"ip\":1.6777343E7,\"port\":1}").getIp()).isEqualTo(16777343);
  }

  @Test
  void ipCoversTheWholeUint32Range() {
    assertThat(read("{\"id\":\"x\",\"ip\":4294967295,\"port\":1}").getIp())
        .isEqualTo(Ipv4.toMesos("255.255.255.255"));
    assertThat(read("{\"id\":\"x\",\"ip\":0,\"port\":1}").getIp())
        .isEqualTo(Ipv4.toMesos("0.0.0.0"));
    assertThat(read("{\"id\":\"x\",\"ip\":16777226,\"port\":1}").getIp())
        .isEqualTo(Ipv4.toMesos("10.0.0.1"));
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        // Missing required fields, named.
        Arguments.of("{\"ip\":1,\"port\":2}", "missing required field(s): id"),
        Arguments.of("{\"id\":\"x\",\"port\":2}", "missing required field(s): ip"),
        Arguments.of("{\"id\":\"x\",\"ip\":1}", "missing required field(s): port"),
        Arguments.of("{}", "missing required field(s): id, ip, port"),
        Arguments.of("{\"id\":null,\"ip\":1,\"port\":2}", "missing required field(s): id"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"address\":{\"ip\":\"1.2.3.4\"}}",
            "missing required field(s): address.port"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"domain\":{\"fault_domain\":{\"region\":{\"name\":\"r\"}}}}",
            "missing required field(s): domain.fault_domain.zone"),
        // Wrong types, naming the field and what it needs.
        Arguments.of(
            "{\"id\":5,\"ip\":1,\"port\":2}", "field 'id' must be a string, got the number 5"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":\"127.0.0.1\",\"port\":2}",
            "field 'ip' must be a number from 0 to 4294967295 (uint32), got a string"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":\"5050\"}",
            "field 'port' must be a number from 0 to 4294967295 (uint32), got a string"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":true,\"port\":2}",
            "field 'ip' must be a number from 0 to 4294967295 (uint32), got true"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":-1,\"port\":2}",
            "field 'ip' must be a number from 0 to 4294967295 (uint32), got -1, which is out of range"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":4294967296,\"port\":2}",
            "field 'ip' must be a number from 0 to 4294967295 (uint32), got 4294967296, which is out of range"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1e999999999,\"port\":2}",
            "field 'ip' must be a number from 0 to 4294967295 (uint32), got 1E+999999999, which is out of range"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1.5,\"port\":2}",
            "field 'ip' must be a number from 0 to 4294967295 (uint32), got 1.5, which is not a whole number"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"address\":\"127.0.0.1:5050\"}",
            "field 'address' must be an object (Address), got a string"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"address\":{\"port\":2147483648}}",
            "field 'address.port' must be a number from -2147483648 to 2147483647 (int32), got 2147483648, which is out of range"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"address\":{\"port\":1,\"hostname\":[\"a\"]}}",
            "field 'address.hostname' must be a string, got an array"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"capabilities\":{\"type\":\"AGENT_UPDATE\"}}",
            "field 'capabilities' must be an array of Capability objects, got an object"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"capabilities\":[\"AGENT_UPDATE\"]}",
            "field 'capabilities[0]' must be an object (Capability), got a string"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"capabilities\":[{},null]}",
            "field 'capabilities[1]' must be an object (Capability), got null"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"capabilities\":[{\"type\":1}]}",
            "field 'capabilities[0].type' must be a string naming a Type value, got the number 1"),
        Arguments.of(
            "{\"id\":\"x\",\"ip\":1,\"port\":2,\"domain\":{\"fault_domain\":{\"region\":{\"name\":{}},\"zone\":{\"name\":\"z\"}}}}",
            "field 'domain.fault_domain.region.name' must be a string, got an object"),
        // Not a JSON object at all.
        Arguments.of("[1,2]", "must be a JSON object, got an array"),
        Arguments.of("\"master@127.0.0.1:5050\"", "must be a JSON object, got a string"),
        Arguments.of("null", "must be a JSON object, got null"),
        Arguments.of("", "is empty"),
        Arguments.of("  \n", "is empty"),
        Arguments.of("{\"id\":\"x\",\"ip\":1,", "is not valid JSON"),
        Arguments.of("{\"id\":'x',\"ip\":1,\"port\":2}", "is not valid JSON"),
        Arguments.of("{\"id\":\"x\",\"ip\":1,\"port\":2} {}", "is not valid JSON"),
        Arguments.of("{\"id\":\"x\",\"ip\":01,\"port\":2}", "is not valid JSON"),
        Arguments.of("{\"id\":\"x\",\"ip\":NaN,\"port\":2}", "is not valid JSON"),
        Arguments.of("{\"id\":\"x\",\"id\":\"y\",\"ip\":1,\"port\":2}", "Duplicate field 'id'"),
        Arguments.of("master@127.0.0.1:5050", "is not valid JSON"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedJsonIsRefusedNamingTheProblem(String json, String message) {
    assertThatThrownBy(() -> read(json))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageStartingWith("MasterInfo JSON")
        .hasMessageContaining(message);
  }

  @Test
  void invalidJsonSaysWhere() {
    assertThatThrownBy(() -> read("{\"id\":\"x\",\n\"ip\":}"))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageContaining("line 2, column 6");
  }

  @Test
  void nonUtf8IsRefusedNamingTheOffendingByte() {
    byte[] data = "{\"id\":\"xx\",\"ip\":1,\"port\":2}".getBytes(UTF_8);
    data[8] = (byte) 0xC3; // a lead byte followed by '"', not a continuation byte

    assertThatThrownBy(() -> MasterInfoCodec.fromJson(data))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessage("MasterInfo JSON is not valid UTF-8: invalid byte 0xC3 at offset 8");
  }

  @Test
  void latin1IsNotUtf8() {
    byte[] data =
        "{\"id\":\"h\u00e9\",\"ip\":1,\"port\":2}"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> MasterInfoCodec.fromJson(data))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageContaining("not valid UTF-8: invalid byte 0xE9 at offset 8");
  }

  @Test
  void aTruncatedMultiByteSequenceAtTheEndIsRefused() {
    byte[] ok = "{\"id\":\"x\",\"ip\":1,\"port\":2}".getBytes(UTF_8);
    byte[] data = java.util.Arrays.copyOf(ok, ok.length + 1);
    data[ok.length] = (byte) 0xE3;

    assertThatThrownBy(() -> MasterInfoCodec.fromJson(data))
        .isInstanceOf(MalformedMasterInfoException.class)
        .hasMessageContaining("not valid UTF-8: invalid byte 0xE3 at offset " + ok.length);
  }
}
