package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.standalone.StandaloneSession;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;

/**
 * Detectors of one session share one detection: one read of the leader's data per change, however
 * many follow it (each read is a request to the store: a ZooKeeper getData, an etcd range, a Consul
 * KV get).
 */
class SharedDetectionTest {
  private static final int DETECTORS = 5;

  @Test
  void detectorsSharingADetectionReadTheLeadersDataOncePerChange() throws Exception {
    assertThat(
            readsForTwoLeaderChanges(
                "/shared",
                group -> {
                  SharedDetection shared = new SharedDetection(group);
                  return () -> new GroupDetector(shared, CallbackExecutor.direct());
                }))
        .as("reads for two leader changes, %d detectors sharing one detection", DETECTORS)
        .isEqualTo(2);
  }

  @Test
  void detectorsEachWithADetectionOfTheirOwnReadOnceEach() throws Exception {
    // What every detector cost before issue 11, and still costs on a backend's bare session.
    assertThat(readsForTwoLeaderChanges("/private", group -> () -> new GroupDetector(group)))
        .as("reads for two leader changes, %d detectors each on its own", DETECTORS)
        .isEqualTo(2 * DETECTORS);
  }

  @Test
  void detectorsOfABackendsBareSessionShareOneDetection() throws Exception {
    // HaSession's own detector() (what a backend's bare session hands out) shares the group's
    // detection too: the reads do not grow with the number of detectors.
    assertThat(
            readsForTwoLeaderChanges(
                "/bare",
                group -> {
                  HaSession bare = new OneGroupSession(group);
                  return bare::detector;
                }))
        .as("reads for two leader changes, %d detectors of one bare session", DETECTORS)
        .isEqualTo(2);
  }

  @Test
  void aChangeThatLeavesTheLeaderCostsNoRead() throws Exception {
    try (HaSession session = HaBackends.load().open(HaConfig.of("standalone:///behind"))) {
      Group store = session.unwrap(StandaloneSession.class).group("");
      CountingGroup group = new CountingGroup(store);
      SharedDetection shared = new SharedDetection(group);
      Detector d = new GroupDetector(shared, CallbackExecutor.direct());
      Membership a = join(store, 5050);
      Optional<Leader> seen = d.detect(Optional.empty()).get(10, TimeUnit.SECONDS);
      assertThat(seen).map(Leader::membership).contains(a);
      for (int i = 0; i < 5; i++) {
        Membership behind = join(store, 5060 + i);
        store.cancel(behind).get(10, TimeUnit.SECONDS);
      }
      store.cancel(a).get(10, TimeUnit.SECONDS);
      assertThat(d.detect(seen).get(10, TimeUnit.SECONDS)).isEmpty();
      d.close();
      assertThat(group.reads.get())
          .as("reads: A's data once; members joining and leaving behind A cost none")
          .isEqualTo(1);
    }
  }

  @Test
  void dataTheGroupAlreadyHoldsIsNotRead() throws Exception {
    try (HaSession session = HaBackends.load().open(HaConfig.of("standalone:///known"))) {
      Group store = session.unwrap(StandaloneSession.class).group("");
      java.util.Map<Membership, byte[]> known = new java.util.concurrent.ConcurrentHashMap<>();
      CountingGroup group = new KnowingGroup(store, known);
      Detector d = new GroupDetector(new SharedDetection(group), CallbackExecutor.direct());
      Membership a = join(store, 5050);
      known.put(a, MasterInfoCodec.toJson(info(5050)));
      assertThat(d.detect(Optional.empty()).get(10, TimeUnit.SECONDS))
          .map(l -> l.info().getPort())
          .contains(5050);
      d.close();
      assertThat(group.reads.get()).as("reads of data the group holds").isZero();
    }
  }

  @Test
  void oneDetectionPerGroup() {
    try (HaSession session = HaBackends.load().open(HaConfig.of("standalone:///one"))) {
      Group g = session.unwrap(StandaloneSession.class).group("");
      Duration timeout = Duration.ofSeconds(10);
      assertThat(SharedDetection.of(g, timeout)).isSameAs(SharedDetection.of(g, timeout));
      assertThat(SharedDetection.of(session.unwrap(StandaloneSession.class).group(""), timeout))
          .as("the backend hands out one group instance per path, which keeps the detection")
          .isSameAs(SharedDetection.of(g, timeout));
      assertThat(SharedDetection.of(new CountingGroup(g), timeout))
          .isNotSameAs(SharedDetection.of(g, timeout));
    }
  }

  private static Membership join(Group store, int port) throws Exception {
    return store
        .join(MasterInfoCodec.toJson(info(port)), Optional.of(MasterInfoCodec.JSON_LABEL))
        .get(10, TimeUnit.SECONDS);
  }

  /**
   * Two leader changes (none to A, A to none, none to B) with every detector following; the data
   * reads made.
   */
  private static int readsForTwoLeaderChanges(
      String base, Function<Group, java.util.function.Supplier<Detector>> detectors)
      throws Exception {
    try (HaSession session = HaBackends.load().open(HaConfig.of("standalone://" + base))) {
      Group store = session.unwrap(StandaloneSession.class).group("");
      CountingGroup group = new CountingGroup(store);
      java.util.function.Supplier<Detector> make = detectors.apply(group);
      List<Detector> ds = new ArrayList<>();
      for (int i = 0; i < DETECTORS; i++) {
        ds.add(make.get());
      }
      Membership a =
          store
              .join(MasterInfoCodec.toJson(info(5050)), Optional.of(MasterInfoCodec.JSON_LABEL))
              .get(10, TimeUnit.SECONDS);
      List<Optional<Leader>> seen = answers(ds, d -> d.detect(Optional.empty()));
      assertThat(seen).allSatisfy(l -> assertThat(l).map(Leader::membership).contains(a));
      store.cancel(a).get(10, TimeUnit.SECONDS);
      assertThat(answers(ds, d -> d.detect(seen.get(0)))).allSatisfy(l -> assertThat(l).isEmpty());
      Membership b =
          store
              .join(MasterInfoCodec.toJson(info(5051)), Optional.of(MasterInfoCodec.JSON_LABEL))
              .get(10, TimeUnit.SECONDS);
      assertThat(answers(ds, d -> d.detect(Optional.empty())))
          .allSatisfy(l -> assertThat(l).map(Leader::membership).contains(b));
      ds.forEach(Detector::close);
      return group.reads.get();
    }
  }

  private static List<Optional<Leader>> answers(
      List<Detector> ds, Function<Detector, CompletableFuture<Optional<Leader>>> ask)
      throws Exception {
    List<Optional<Leader>> out = new ArrayList<>();
    for (Detector d : ds) {
      out.add(ask.apply(d).get(10, TimeUnit.SECONDS));
    }
    return out;
  }

  private static MasterInfo info(int port) {
    return MasterInfo.newBuilder()
        .setId("m" + port)
        .setIp(16777343)
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .build();
  }

  /** A bare session of one group, with HaSession's own roles. */
  private record OneGroupSession(Group group) implements HaSession {
    @Override
    public String backend() {
      return "test";
    }

    @Override
    public HaConfig config() {
      return HaConfig.of("standalone:///bare");
    }

    @Override
    public Group group(String relativePath) {
      return group;
    }

    @Override
    public String sessionId() {
      return "";
    }

    @Override
    public void close() {}
  }

  /** A group that received its members' data with its listings. */
  private static final class KnowingGroup extends CountingGroup implements KnownData {
    private final java.util.Map<Membership, byte[]> known;

    KnowingGroup(Group group, java.util.Map<Membership, byte[]> known) {
      super(group);
      this.known = known;
    }

    @Override
    public Optional<byte[]> knownData(Membership member) {
      return Optional.ofNullable(known.get(member));
    }
  }

  /**
   * Counts the reads of members' data, the requests that detection makes per change; it keeps its
   * shared detection as a backend's group does.
   */
  private static class CountingGroup implements Group, SharedDetection.Shared {
    private final Group group;
    final AtomicInteger reads = new AtomicInteger();
    private final java.util.function.Supplier<SharedDetection> detection =
        SharedDetection.lazily(this, () -> Duration.ofSeconds(10));

    @Override
    public SharedDetection detection() {
      return detection.get();
    }

    CountingGroup(Group group) {
      this.group = group;
    }

    @Override
    public String path() {
      return group.path();
    }

    @Override
    public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
      return group.join(data, label);
    }

    @Override
    public CompletableFuture<Boolean> cancel(Membership membership) {
      return group.cancel(membership);
    }

    @Override
    public CompletableFuture<Optional<byte[]>> data(Membership membership) {
      reads.incrementAndGet();
      return group.data(membership);
    }

    @Override
    public CompletableFuture<Set<Membership>> members() {
      return group.members();
    }

    @Override
    public CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
      return group.watch(expected);
    }
  }
}
