package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;

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

  /** Counts the reads of members' data, the requests that detection makes per change. */
  private static final class CountingGroup implements Group {
    private final Group group;
    final AtomicInteger reads = new AtomicInteger();

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
