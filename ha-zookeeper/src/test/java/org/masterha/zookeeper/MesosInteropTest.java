package org.masterha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.proto.Address;
import org.masterha.proto.MasterInfo;

/**
 * Both directions of compatibility with Apache Mesos on a real ZooKeeper server: members written
 * the way Mesos writes them (by a plain client, byte for byte) are detected, and what masterha
 * writes is what Mesos writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MesosInteropTest {
  /**
   * The example in docs/contract.md: what a Mesos 1.4 master on localhost:5050 stores in {@code
   * json.info_<sequence>}.
   */
  private static final String MESOS_JSON =
      "{\"address\":{\"hostname\":\"localhost\",\"ip\":\"127.0.0.1\",\"port\":5050},"
          + "\"hostname\":\"localhost\",\"id\":\"685fe32d-e30c-4df7-b891-3d96b06fee88\",\"ip\":16777343,"
          + "\"pid\":\"master@127.0.0.1:5050\",\"port\":5050,\"version\":\"1.4.0\"}";

  private static final MasterInfo MESOS_MASTER =
      MasterInfo.newBuilder()
          .setId("685fe32d-e30c-4df7-b891-3d96b06fee88")
          .setIp(16777343)
          .setPort(5050)
          .setPid("master@127.0.0.1:5050")
          .setHostname("localhost")
          .setVersion("1.4.0")
          .setAddress(
              Address.newBuilder().setHostname("localhost").setIp("127.0.0.1").setPort(5050))
          .build();

  private final ZooKeeperFixture fixture = ZooKeeperFixture.singleServer();
  private RawClient mesos;

  @BeforeAll
  void start() throws Exception {
    fixture.start();
    mesos = new RawClient(fixture.connectString());
  }

  @AfterAll
  void stop() {
    if (mesos != null) {
      mesos.close();
    }
    fixture.close();
  }

  private static String base(TestInfo info) {
    return "/interop/" + info.getTestMethod().orElseThrow().getName() + "/mesos";
  }

  private HaSession open(String path) {
    return fixture.connect(path, Duration.ofSeconds(4)).session();
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  private static long sequenceOf(String path) {
    return Long.parseLong(path.substring(path.length() - 10));
  }

  @Test
  void detectsAMesosMasterFromItsJsonMember(TestInfo info) throws Exception {
    String created =
        mesos.createMember(base(info), "json.info_", MESOS_JSON.getBytes(StandardCharsets.UTF_8));
    try (HaSession s = open(base(info));
        Detector d = s.detector()) {
      Leader leader = get(d.detect()).orElseThrow();
      assertThat(leader.info()).isEqualTo(MESOS_MASTER);
      assertThat(leader.epoch()).isEqualTo(sequenceOf(created));
      assertThat(leader.membership().id()).isEqualTo(created.substring(base(info).length() + 1));
    }
  }

  @Test
  void detectsALegacyProtobufMember(TestInfo info) throws Exception {
    String created = mesos.createMember(base(info), "info_", MESOS_MASTER.toByteArray());
    try (HaSession s = open(base(info));
        Detector d = s.detector()) {
      Leader leader = get(d.detect()).orElseThrow();
      assertThat(leader.info()).isEqualTo(MESOS_MASTER);
      assertThat(leader.membership().label()).contains("info");
      assertThat(leader.epoch()).isEqualTo(sequenceOf(created));
    }
  }

  @Test
  void detectsABareUpidMember(TestInfo info) throws Exception {
    String created =
        mesos.createMember(
            base(info), "", "master@127.0.0.1:5050".getBytes(StandardCharsets.UTF_8));
    assertThat(created).matches(".*/mesos/\\d{10}");
    try (HaSession s = open(base(info));
        Detector d = s.detector()) {
      Leader leader = get(d.detect()).orElseThrow();
      assertThat(leader.membership().label()).isEmpty();
      assertThat(leader.info().getPid()).isEqualTo("master@127.0.0.1:5050");
      assertThat(leader.info().getIp()).isEqualTo(16777343);
      assertThat(leader.info().getPort()).isEqualTo(5050);
    }
  }

  @Test
  void theLowestSequenceLeadsWhateverItsLabelAndMesosMastersAndOursTakeTurns(TestInfo info)
      throws Exception {
    String path = base(info);
    String bare =
        mesos.createMember(path, "", "master@127.0.0.1:5051".getBytes(StandardCharsets.UTF_8));
    String legacy =
        mesos.createMember(
            path, "info_", MESOS_MASTER.toBuilder().setPort(5052).build().toByteArray());
    String json =
        mesos.createMember(path, "json.info_", MESOS_JSON.getBytes(StandardCharsets.UTF_8));
    mesos
        .curator()
        .create()
        .forPath(path + "/log_replicas"); // Mesos' replicated log lives here too
    try (HaSession s = open(path);
        Detector d = s.detector()) {
      MasterInfo ours =
          MESOS_MASTER.toBuilder()
              .setId("masterha")
              .setPort(5053)
              .setPid("master@127.0.0.1:5053")
              .build();
      Candidacy c = get(s.contender(ours).contend());

      Optional<Leader> leader = get(d.detect());
      assertThat(leader.orElseThrow().epoch()).isEqualTo(sequenceOf(bare));
      mesos.delete(bare);
      leader = get(d.detect(leader));
      assertThat(leader.orElseThrow().epoch()).isEqualTo(sequenceOf(legacy));
      assertThat(leader.get().info().getPort()).isEqualTo(5052);
      mesos.delete(legacy);
      leader = get(d.detect(leader));
      assertThat(leader.orElseThrow().epoch()).isEqualTo(sequenceOf(json));
      assertThat(c.elected()).isNotDone();
      mesos.delete(json);
      Leader elected = get(c.elected());
      assertThat(elected.info()).isEqualTo(ours);
      assertThat(get(d.detect(leader))).contains(elected);
      assertThat(elected.epoch()).isGreaterThan(sequenceOf(json));
    }
  }

  @Test
  void theMemberMasterhaWritesIsTheMemberAMesosMasterWrites(TestInfo info) throws Exception {
    String path = base(info);
    try (HaSession s = open(path)) {
      Candidacy c = get(s.contender(MESOS_MASTER).contend());
      String name = c.membership().id();

      assertThat(mesos.children(path)).containsExactly(name);
      assertThat(name).matches("json\\.info_\\d{10}");
      assertThat(name).isEqualTo(String.format("json.info_%010d", c.epoch()));
      assertThat(new String(mesos.data(path + "/" + name), StandardCharsets.UTF_8))
          .isEqualTo(MESOS_JSON);
      assertThat(mesos.stat(path + "/" + name).getEphemeralOwner())
          .isEqualTo(Long.decode(s.sessionId()));
      assertThat(mesos.curator().getACL().forPath(path + "/" + name))
          .isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
      // The base path, and its parents, are plain persistent znodes, created when missing.
      assertThat(mesos.stat(path).getEphemeralOwner()).isZero();
      assertThat(
              mesos
                  .stat("/interop/" + info.getTestMethod().orElseThrow().getName())
                  .getEphemeralOwner())
          .isZero();
    }
    assertThat(mesos.children(path)).isEmpty();
  }

  @Test
  void replicatedLogReplicasInteroperate(TestInfo info) throws Exception {
    String path = base(info);
    String theirs =
        mesos.createMember(
            path + "/log_replicas",
            "",
            "log-replica(1)@127.0.0.1:5050".getBytes(StandardCharsets.UTF_8));
    try (HaSession s = open(path)) {
      var ours = get(s.pidGroup().join("log-replica(2)@127.0.0.1:5051"));
      assertThat(ours.id()).matches("\\d{10}");
      assertThat(mesos.children(path + "/log_replicas"))
          .containsExactly(theirs.substring(theirs.lastIndexOf('/') + 1), ours.id());
      assertThat(
              new String(mesos.data(path + "/log_replicas/" + ours.id()), StandardCharsets.UTF_8))
          .isEqualTo("log-replica(2)@127.0.0.1:5051");
      assertThat(get(s.pidGroup().endpoints()))
          .containsExactlyInAnyOrder(
              "log-replica(1)@127.0.0.1:5050", "log-replica(2)@127.0.0.1:5051");
      // Replicas are no masters: the masters' group does not list them.
      assertThat(get(s.group("").members())).isEmpty();
    }
  }
}
