package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Leader;
import org.masterha.masterinfo.MasterInfoCodec;
import org.masterha.proto.MasterInfo;

/**
 * The detector over a group whose members change between a listing and the reads of their data, an
 * interleaving no real store lets a test hit on purpose, so a scripted group plays it.
 */
class GroupDetectorTest {
  private static final Optional<String> JSON = Optional.of(MasterInfoCodec.JSON_LABEL);

  @Test
  void memberVanishingDuringEvaluationDoesNotYieldAFalseNoLeader() throws Exception {
    ScriptedGroup group = new ScriptedGroup();
    Membership c1 = group.add(JSON, MasterInfoCodec.toJson(info(5050)));
    group.add(JSON, "garbage".getBytes(StandardCharsets.UTF_8));
    // Between the listing {c1, garbage} and the read of c1's data, c2 joins and c1 withdraws.
    group.beforeDataOf(
        c1,
        () -> {
          group.add(JSON, MasterInfoCodec.toJson(info(5051)));
          group.remove(c1);
        });

    try (GroupDetector detector = new GroupDetector(group)) {
      Leader phantom = new Leader(info(1), 99, new Membership("phantom", 99, JSON));
      Optional<Leader> first = detector.detect(Optional.of(phantom)).get(5, TimeUnit.SECONDS);
      assertThat(first)
          .as("the first answer: c2 leads; at no time was there no leader")
          .map(l -> l.info().getPort())
          .contains(5051);
    }
  }

  private static MasterInfo info(int port) {
    return MasterInfo.newBuilder()
        .setId("m" + port)
        .setIp(16777343)
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .build();
  }

  /** A group in memory whose changes the test scripts; answers at once, on the caller's thread. */
  private static final class ScriptedGroup implements Group {
    private final TreeMap<Membership, byte[]> members = new TreeMap<>();
    private final List<CompletableFuture<Set<Membership>>> watchers = new ArrayList<>();
    private final List<Set<Membership>> expectations = new ArrayList<>();
    private final Map<Membership, Runnable> beforeData = new java.util.HashMap<>();
    private long next;

    synchronized Membership add(Optional<String> label, byte[] data) {
      Membership m = new Membership(label.orElse("") + "_" + next, next++, label);
      members.put(m, data);
      changed();
      return m;
    }

    synchronized void remove(Membership m) {
      members.remove(m);
      changed();
    }

    synchronized void beforeDataOf(Membership m, Runnable change) {
      beforeData.put(m, change);
    }

    private void changed() {
      Set<Membership> now = new TreeSet<>(members.keySet());
      for (int i = watchers.size() - 1; i >= 0; i--) {
        if (!expectations.get(i).equals(now)) {
          expectations.remove(i);
          watchers.remove(i).complete(now);
        }
      }
    }

    @Override
    public String path() {
      return "/scripted";
    }

    @Override
    public CompletableFuture<Membership> join(byte[] data, Optional<String> label) {
      return CompletableFuture.completedFuture(add(label, data));
    }

    @Override
    public synchronized CompletableFuture<Boolean> cancel(Membership membership) {
      boolean removed = members.containsKey(membership);
      remove(membership);
      return CompletableFuture.completedFuture(removed);
    }

    @Override
    public CompletableFuture<Optional<byte[]>> data(Membership membership) {
      Runnable change;
      synchronized (this) {
        change = beforeData.remove(membership);
      }
      if (change != null) {
        change.run();
      }
      synchronized (this) {
        return CompletableFuture.completedFuture(Optional.ofNullable(members.get(membership)));
      }
    }

    @Override
    public synchronized CompletableFuture<Set<Membership>> members() {
      return CompletableFuture.completedFuture(new TreeSet<>(members.keySet()));
    }

    @Override
    public synchronized CompletableFuture<Set<Membership>> watch(Set<Membership> expected) {
      Set<Membership> now = new TreeSet<>(members.keySet());
      if (!now.equals(expected)) {
        return CompletableFuture.completedFuture(now);
      }
      CompletableFuture<Set<Membership>> f = new CompletableFuture<>();
      watchers.add(f);
      expectations.add(Set.copyOf(expected));
      return f;
    }
  }
}
