package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.standalone.StandaloneSession;
import org.masterha.proto.MasterInfo;

/**
 * The session {@link HaBackends#open} hands out: callers' actions run on their executor, and the
 * futures shared by everyone holding a membership or candidacy are read-only. (The conformance
 * kit's {@code CallbackContract} proves on every backend that a blocking callback delays no {@code
 * lost()}.)
 */
class CallbackSessionTest {
  private final ExecutorService callbacks =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "caller-callbacks"));
  private final HaBackends backends = HaBackends.load();

  @AfterEach
  void stop() {
    callbacks.shutdownNow();
  }

  private HaSession open(String base) {
    return backends.open(
        HaConfig.builder().url("standalone://" + base).callbackExecutor(callbacks).build());
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  private static void assertOnCallerExecutor(CompletableFuture<String> threadName)
      throws Exception {
    String name = threadName.get(10, TimeUnit.SECONDS);
    assertThat(name).isEqualTo("caller-callbacks");
  }

  private static String thread() {
    return Thread.currentThread().getName();
  }

  @Test
  void everyActionOnTheSessionsFuturesRunsOnTheCallersExecutor() throws Exception {
    try (HaSession s = open("/callbacks/executor");
        Detector d = s.detector()) {
      Group g = s.group("");
      LinkedBlockingQueue<String> listenerThreads = new LinkedBlockingQueue<>();
      CompletableFuture<String> detected = d.detect().thenApply(l -> thread());
      Detector.Following following = d.follow(l -> listenerThreads.add(thread()));
      Contender contender = s.contender(info(5050));
      Candidacy c = get(contender.contend());
      assertOnCallerExecutor(c.elected().thenApply(l -> thread()));
      assertOnCallerExecutor(detected);
      assertThat(listenerThreads.poll(10, TimeUnit.SECONDS)).isEqualTo("caller-callbacks");
      following.close();
      CompletableFuture<String> lost = c.lost().thenApply(v -> thread());
      assertThat(get(contender.withdraw())).isTrue();
      assertOnCallerExecutor(lost);
      Membership m = get(g.join("x".getBytes(StandardCharsets.UTF_8), Optional.of("x")));
      CompletableFuture<String> cancelled = m.cancelled().thenApply(v -> thread());
      assertOnCallerExecutor(g.cancel(m).thenApply(v -> thread()));
      assertOnCallerExecutor(cancelled);
      assertOnCallerExecutor(s.pidGroup().endpoints().thenApply(e -> thread()));
      assertOnCallerExecutor(s.state().names().thenApply(n -> thread()));
    }
  }

  @Test
  void theFuturesEveryoneHoldingACandidacySharesAreReadOnly() throws Exception {
    try (HaSession s = open("/callbacks/read-only")) {
      Contender contender = s.contender(info(5050));
      Candidacy c = get(contender.contend());
      get(c.elected());
      Membership m = c.membership();
      assertThatThrownBy(() -> m.cancelled().complete(true))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> m.cancelled().obtrudeValue(true))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> c.lost().complete(null))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> c.elected().obtrudeException(new RuntimeException()))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThat(m.cancelled().cancel(true)).as("cancel() of a read-only future").isFalse();
      assertThat(c.lost().orTimeout(1, TimeUnit.MILLISECONDS))
          .as("a timeout is on a copy")
          .isNotSameAs(c.lost());
      assertThat(m.cancelled()).isNotDone();
      assertThat(c.lost()).isNotDone();
      assertThat(c.isLeader()).isTrue();

      assertThat(get(contender.withdraw())).isTrue();
      assertThat(get(m.cancelled())).as("cancelled() completed by the session underneath").isTrue();
      assertThat(c.lost()).isDone();
      assertThat(c.isLeader()).isFalse();
    }
  }

  @Test
  void theBackendsSessionIsReachableForTests() throws Exception {
    try (HaSession s = open("/callbacks/unwrap")) {
      assertThat(s.unwrap(StandaloneSession.class)).isInstanceOf(StandaloneSession.class);
      assertThat(s.unwrap(HaSession.class)).isSameAs(s);
      assertThatThrownBy(() -> s.unwrap(FakeSession.class))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private interface FakeSession extends HaSession {}

  private static MasterInfo info(int port) {
    return MasterInfo.newBuilder()
        .setId("m" + port)
        .setIp(16777343)
        .setPort(port)
        .setPid("master@127.0.0.1:" + port)
        .build();
  }
}
