package org.masterha.masterinfo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.DESIGN_GOLDEN;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.ID;
import static org.masterha.masterinfo.MasterInfoJsonWriterTest.designExample;

import org.junit.jupiter.api.Test;
import org.masterha.proto.MasterInfo;
import org.masterha.proto.MasterInfo.Capability;

class MasterInfosTest {
  @Test
  void ofFillsEverythingAMesosMasterFillsIn() {
    MasterInfo info = MasterInfos.of(ID, "127.0.0.1", 5050, "localhost", "1.4.0");

    assertThat(info).isEqualTo(designExample());
    assertThat(MasterInfoCodec.toJson(info)).isEqualTo(DESIGN_GOLDEN.getBytes(UTF_8));
  }

  @Test
  void builderTakesDomainAndCapabilities() {
    MasterInfo info =
        MasterInfos.builder("m2", "10.0.0.1", 5051, "m2.example", "0.1.0")
            .setDomain(MasterInfoJsonWriterTest.domain("eu", "eu-1"))
            .addCapabilities(Capability.newBuilder().setType(Capability.Type.AGENT_UPDATE))
            .build();

    assertThat(new String(MasterInfoCodec.toJson(info), UTF_8))
        .isEqualTo(
            "{\"address\":{\"hostname\":\"m2.example\",\"ip\":\"10.0.0.1\",\"port\":5051},"
                + "\"capabilities\":[{\"type\":\"AGENT_UPDATE\"}],"
                + "\"domain\":{\"fault_domain\":{\"region\":{\"name\":\"eu\"},\"zone\":{\"name\":\"eu-1\"}}},"
                + "\"hostname\":\"m2.example\",\"id\":\"m2\",\"ip\":16777226,\"pid\":\"master@10.0.0.1:5051\","
                + "\"port\":5051,\"version\":\"0.1.0\"}");
  }

  @Test
  void refusesWhatNoMasterCouldAdvertise() {
    assertThatThrownBy(() -> MasterInfos.of("", "127.0.0.1", 5050, "h", "v"))
        .hasMessageContaining("id must not be empty");
    assertThatThrownBy(() -> MasterInfos.of("i", "localhost", 5050, "h", "v"))
        .hasMessageContaining("is not an IPv4 address");
    assertThatThrownBy(() -> MasterInfos.of("i", "127.0.0.1", 0, "h", "v"))
        .hasMessageContaining("accepted: 1 to 65535");
    assertThatThrownBy(() -> MasterInfos.of("i", "127.0.0.1", 65536, "h", "v"))
        .hasMessageContaining("accepted: 1 to 65535");
    assertThatThrownBy(() -> MasterInfos.of("i", "127.0.0.1", 1, "", "v"))
        .hasMessageContaining("hostname must not be empty");
    assertThatThrownBy(() -> MasterInfos.of("i", "127.0.0.1", 1, "h", ""))
        .hasMessageContaining("version must not be empty");
  }

  @Test
  void fromUpidIsDeterministic() {
    Upid pid = Upid.parse("master@127.0.0.1:5050");

    assertThat(MasterInfos.fromUpid(pid))
        .isEqualTo(MasterInfos.fromUpid(Upid.parse("master@127.0.0.1:5050")));
    assertThat(MasterInfos.fromUpid(pid).isInitialized()).isTrue();
  }

  @Test
  void endpointPrefersTheAddressThenIpAndPortThenThePid() {
    MasterInfo full = MasterInfos.of(ID, "10.0.0.11", 5050, "m1.example.org", "1.4.0");
    assertThat(MasterInfos.endpoint(full)).isEqualTo("10.0.0.11:5050");
    assertThat(MasterInfos.endpoint(full.toBuilder().clearAddress().setIp(0x0100007f).build()))
        .isEqualTo("127.0.0.1:5050");
    MasterInfo pidOnly =
        MasterInfo.newBuilder()
            .setId(ID)
            .setIp(0)
            .setPort(5050)
            .setPid("master@10.0.0.12:6060")
            .build();
    assertThat(MasterInfos.endpoint(pidOnly)).isEqualTo("10.0.0.12:6060");
    assertThat(MasterInfos.endpoint(pidOnly.toBuilder().setPid("").setHostname("m3").build()))
        .isEqualTo("m3:5050");
  }
}
