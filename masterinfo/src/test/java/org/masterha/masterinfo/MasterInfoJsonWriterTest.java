package org.masterha.masterinfo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.FieldOptions;
import org.junit.jupiter.api.Test;
import org.masterha.proto.Address;
import org.masterha.proto.DomainInfo;
import org.masterha.proto.MasterInfo;
import org.masterha.proto.MasterInfo.Capability;

/** toJson must produce, byte for byte, what a Mesos master writes into its json.info member. */
class MasterInfoJsonWriterTest {
  /** The member data of a Mesos 1.4.0 master, as docs/contract.md shows it. */
  static final String DESIGN_GOLDEN =
      "{\"address\":{\"hostname\":\"localhost\",\"ip\":\"127.0.0.1\",\"port\":5050},"
          + "\"hostname\":\"localhost\",\"id\":\"685fe32d-e30c-4df7-b891-3d96b06fee88\",\"ip\":16777343,"
          + "\"pid\":\"master@127.0.0.1:5050\",\"port\":5050,\"version\":\"1.4.0\"}";

  static final String ID = "685fe32d-e30c-4df7-b891-3d96b06fee88";

  static MasterInfo designExample() {
    // Fields set in Mesos' order (master.cpp), not in key order, so sorting is exercised.
    return MasterInfo.newBuilder()
        .setId(ID)
        .setIp(16777343)
        .setPort(5050)
        .setPid("master@127.0.0.1:5050")
        .setVersion("1.4.0")
        .setHostname("localhost")
        .setAddress(Address.newBuilder().setIp("127.0.0.1").setPort(5050).setHostname("localhost"))
        .build();
  }

  static DomainInfo domain(String region, String zone) {
    return DomainInfo.newBuilder()
        .setFaultDomain(
            DomainInfo.FaultDomain.newBuilder()
                .setRegion(DomainInfo.FaultDomain.RegionInfo.newBuilder().setName(region))
                .setZone(DomainInfo.FaultDomain.ZoneInfo.newBuilder().setName(zone)))
        .build();
  }

  static String json(MasterInfo info) {
    return new String(MasterInfoCodec.toJson(info), UTF_8);
  }

  @Test
  void designExampleIsWrittenByteForByte() {
    assertThat(MasterInfoCodec.toJson(designExample())).isEqualTo(DESIGN_GOLDEN.getBytes(UTF_8));
  }

  @Test
  void bothDialectsWriteTheDesignExampleIdentically() {
    assertThat(MasterInfoCodec.toJson(designExample(), MesosJsonDialect.STOUT_LEGACY))
        .isEqualTo(DESIGN_GOLDEN.getBytes(UTF_8));
  }

  @Test
  void domainAndCapabilitiesAreNestedObjectsAndAnArrayOfObjects() {
    MasterInfo info =
        designExample().toBuilder()
            .setVersion("1.11.0")
            .setDomain(domain("aws-us-east-1", "aws-us-east-1a"))
            .addCapabilities(Capability.newBuilder().setType(Capability.Type.AGENT_UPDATE))
            .addCapabilities(Capability.newBuilder().setType(Capability.Type.AGENT_DRAINING))
            .addCapabilities(Capability.newBuilder().setType(Capability.Type.QUOTA_V2))
            .build();

    assertThat(json(info))
        .isEqualTo(
            "{\"address\":{\"hostname\":\"localhost\",\"ip\":\"127.0.0.1\",\"port\":5050},"
                + "\"capabilities\":[{\"type\":\"AGENT_UPDATE\"},{\"type\":\"AGENT_DRAINING\"},{\"type\":\"QUOTA_V2\"}],"
                + "\"domain\":{\"fault_domain\":{\"region\":{\"name\":\"aws-us-east-1\"},\"zone\":{\"name\":\"aws-us-east-1a\"}}},"
                + "\"hostname\":\"localhost\",\"id\":\""
                + ID
                + "\",\"ip\":16777343,"
                + "\"pid\":\"master@127.0.0.1:5050\",\"port\":5050,\"version\":\"1.11.0\"}");
  }

  @Test
  void aCapabilityWithoutTypeIsAnEmptyObject() {
    MasterInfo info =
        MasterInfo.newBuilder()
            .setId("a")
            .setIp(0)
            .setPort(1)
            .addCapabilities(Capability.getDefaultInstance())
            .build();

    assertThat(json(info)).isEqualTo("{\"capabilities\":[{}],\"id\":\"a\",\"ip\":0,\"port\":1}");
  }

  @Test
  void onlyRequiredFieldsGiveTheSmallestMember() {
    MasterInfo info = MasterInfo.newBuilder().setId("x").setIp(16777343).setPort(5050).build();

    assertThat(json(info)).isEqualTo("{\"id\":\"x\",\"ip\":16777343,\"port\":5050}");
  }

  @Test
  void emptyStringsAreSetFieldsAndWritten() {
    MasterInfo info = MasterInfo.newBuilder().setId("").setIp(0).setPort(0).setHostname("").build();

    assertThat(json(info)).isEqualTo("{\"hostname\":\"\",\"id\":\"\",\"ip\":0,\"port\":0}");
  }

  @Test
  void ipIsWrittenAsAnUnsignedNumber() {
    MasterInfo broadcast =
        MasterInfo.newBuilder()
            .setId("x")
            .setIp(Ipv4.toMesos("255.255.255.255"))
            .setPort(5050)
            .build();
    MasterInfo any =
        MasterInfo.newBuilder().setId("x").setIp(Ipv4.toMesos("0.0.0.0")).setPort(5050).build();
    MasterInfo ten =
        MasterInfo.newBuilder().setId("x").setIp(Ipv4.toMesos("10.0.0.1")).setPort(5050).build();

    assertThat(json(broadcast)).contains("\"ip\":4294967295,");
    assertThat(json(any)).contains("\"ip\":0,");
    assertThat(json(ten)).contains("\"ip\":16777226,");
  }

  @Test
  void negativeAddressPortIsWrittenSigned() {
    // Address.port is an int32 in Mesos; a nonsense value still has one exact rendering.
    MasterInfo info =
        MasterInfo.newBuilder()
            .setId("x")
            .setIp(1)
            .setPort(2)
            .setAddress(Address.newBuilder().setPort(-1))
            .build();

    assertThat(json(info))
        .isEqualTo("{\"address\":{\"port\":-1},\"id\":\"x\",\"ip\":1,\"port\":2}");
  }

  @Test
  void rapidjsonDialectEscapesQuoteBackslashAndControlCharactersOnly() {
    String hostname = "a/b\"c\\d\b\t\n\f\r\u0000\u000b\u001f\u007f";
    MasterInfo info =
        MasterInfo.newBuilder().setId("x").setIp(1).setPort(2).setHostname(hostname).build();

    assertThat(json(info))
        .isEqualTo(
            "{\"hostname\":\"a/b\\\"c\\\\d\\b\\t\\n\\f\\r\\u0000\\u000B\\u001F\u007f\","
                + "\"id\":\"x\",\"ip\":1,\"port\":2}");
  }

  @Test
  void stoutLegacyDialectAlsoEscapesSlashAndDelInLowerCaseHex() {
    String hostname = "a/b\"c\\d\b\t\n\f\r\u0000\u000b\u001f\u007f";
    MasterInfo info =
        MasterInfo.newBuilder().setId("x").setIp(1).setPort(2).setHostname(hostname).build();

    assertThat(new String(MasterInfoCodec.toJson(info, MesosJsonDialect.STOUT_LEGACY), UTF_8))
        .isEqualTo(
            "{\"hostname\":\"a\\/b\\\"c\\\\d\\b\\t\\n\\f\\r\\u0000\\u000b\\u001f\\u007f\","
                + "\"id\":\"x\",\"ip\":1,\"port\":2}");
  }

  @Test
  void nonAsciiIsWrittenAsRawUtf8InBothDialects() {
    String hostname = "h\u00e9\u30db\u30b9\u30c8\ud83d\ude00";
    MasterInfo info =
        MasterInfo.newBuilder().setId("x").setIp(1).setPort(2).setHostname(hostname).build();
    byte[] expected =
        ("{\"hostname\":\"" + hostname + "\",\"id\":\"x\",\"ip\":1,\"port\":2}").getBytes(UTF_8);

    assertThat(MasterInfoCodec.toJson(info, MesosJsonDialect.RAPIDJSON)).isEqualTo(expected);
    assertThat(MasterInfoCodec.toJson(info, MesosJsonDialect.STOUT_LEGACY)).isEqualTo(expected);
    // é is C3 A9 in the output, not an escape.
    assertThat(MasterInfoCodec.toJson(info)).containsSequence((byte) 0xC3, (byte) 0xA9);
  }

  @Test
  void aPartiallyBuiltMasterInfoIsRefusedNamingTheMissingFields() {
    MasterInfo partial = MasterInfo.newBuilder().setId("x").buildPartial();

    assertThatThrownBy(() -> MasterInfoCodec.toJson(partial))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing required field(s): ip, port");
  }

  @Test
  void unsetOptionalFieldsWithAnExplicitDefaultAreWrittenWithTheDefault() {
    // MasterInfo's only such field (port) is required, so check stout's rule on a proto2 message
    // that has
    // optional fields with and without [default = ...].
    String json =
        new String(
            MesosJsonWriter.write(FieldOptions.getDefaultInstance(), MesosJsonDialect.RAPIDJSON),
            UTF_8);

    assertThat(json)
        .contains("\"ctype\":\"STRING\"")
        .contains("\"lazy\":false")
        .doesNotContain("\"packed\"");
  }
}
