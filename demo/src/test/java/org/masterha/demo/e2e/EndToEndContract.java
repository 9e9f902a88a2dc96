package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.Cluster;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;
import org.masterha.demo.launcher.Ports;
import org.masterha.demo.launcher.Store;
import org.masterha.proto.v1.GetInfoResponse;
import org.masterha.proto.v1.RegisterAgentResponse;

/**
 * The demo's processes, for real, on one backend: masters and agents in JVMs of their own, killed
 * with kill -9, stopped with SIGTERM and frozen with SIGSTOP. Every wait is on an event line or a
 * gRPC answer, with a deadline.
 */
abstract class EndToEndContract {
  static final Duration START = Duration.ofSeconds(60);
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(3);

  /** The masters' re-registration window in the failover test. */
  static final String REREGISTRATION_TIMEOUT = "3s";

  @TempDir Path dir;
  private Cluster cluster;

  abstract Store store();

  Cluster cluster(TestInfo test, Duration sessionTimeout) {
    String name = test.getTestMethod().orElseThrow().getName();
    cluster =
        new Cluster(
            store(),
            "/e2e-" + name + "-" + UUID.randomUUID().toString().substring(0, 6),
            sessionTimeout,
            dir.resolve(name));
    return cluster;
  }

  @AfterEach
  void stopProcesses() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * A failover budget: the session timeout for the store to expire the dead leader, plus JVM and
   * scheduling slack.
   */
  static Duration failoverBudget(Duration sessionTimeout) {
    return sessionTimeout.multipliedBy(2).plusSeconds(15);
  }

  private static long epoch(EventLog.Entry e) {
    return Long.parseLong(e.get("epoch"));
  }

  private static ServingStatus health(Cluster c, String master) {
    try (MasterClient client = new MasterClient(c.endpoint(master))) {
      return client.health();
    }
  }

  @Test
  void killedLeaderIsReplacedAndAgentsReregisterAndHealthFollowsTheLeader(TestInfo test)
      throws Exception {
    Cluster c = cluster(test, SESSION_TIMEOUT);
    String window = "--reregistration-timeout=" + REREGISTRATION_TIMEOUT;
    Map<String, Integer> metrics = new HashMap<>();
    for (String m : List.of("m1", "m2", "m3")) {
      metrics.put(m, Ports.free());
      c.startMaster(m, window, "--metrics-port=" + metrics.get(m));
    }
    EventLog.Entry first = c.awaitElected(-1, START);
    String leader = first.process();
    c.awaitFollowers(leader, epoch(first), START);
    for (String m : c.masters()) {
      assertThat(health(c, m))
          .as("health of %s while %s leads", m, leader)
          .isEqualTo(m.equals(leader) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      int port = metrics.get(m);
      assertThat(MetricsScrape.status(port, "/health")).as("/health of %s", m).isEqualTo(200);
      assertThat(MetricsScrape.status(port, "/ready"))
          .as("/ready of %s while %s leads", m, leader)
          .isEqualTo(m.equals(leader) ? 200 : 503);
      await()
          .atMost(START)
          .untilAsserted(
              () -> {
                assertThat(MetricsScrape.value(port, "masterha_candidacy_leading"))
                    .isEqualTo(m.equals(leader) ? 1 : 0);
                assertThat(MetricsScrape.value(port, "masterha_detector_leader_epoch"))
                    .isEqualTo(epoch(first));
              });
      assertThat(MetricsScrape.value(port, "masterha_candidacy_elections_won_total"))
          .isEqualTo(m.equals(leader) ? 1 : 0);
      assertThat(MetricsScrape.get(port, "/metrics").body())
          .containsPattern("masterha_session_state\\{[^}]*state=\"connected\"[^}]*\\} 1")
          .contains("masterha_session_renewal_latency_seconds_count");
    }
    c.startAgentViaStore("a1");
    c.startAgentViaStreams("a2");
    c.startAgentViaStore("a3");
    c.awaitRegistered("a1", leader, epoch(first), START);
    c.awaitRegistered("a2", leader, epoch(first), START);
    c.awaitRegistered("a3", leader, epoch(first), START);

    // a3 dies with the leader: it is in the stored registry but will never re-register.
    c.kill9("a3");
    long killedAt = System.currentTimeMillis();
    c.kill9(leader);
    EventLog.Entry next = c.awaitElected(epoch(first), failoverBudget(SESSION_TIMEOUT));
    assertThat(next.process()).isNotEqualTo(leader);
    assertThat(epoch(next)).isGreaterThan(epoch(first));
    // Replaced within about one session timeout (plus detection and scheduling on a busy machine).
    assertThat(next.millis() - killedAt).isLessThan(SESSION_TIMEOUT.plusSeconds(5).toMillis());
    c.awaitRegistered("a1", next.process(), epoch(next), failoverBudget(SESSION_TIMEOUT));
    c.awaitRegistered("a2", next.process(), epoch(next), failoverBudget(SESSION_TIMEOUT));
    c.awaitFollowers(next.process(), epoch(next), failoverBudget(SESSION_TIMEOUT));

    // The new leader recovered the registry the old one stored, and the survivors came back within
    // the window.
    EventLog.Entry recovered =
        c.await(
            next.process() + " to recover the registry",
            START,
            e ->
                e.process().equals(next.process())
                    && e.kind().equals("recovered-registry")
                    && epoch(e) == epoch(next));
    assertThat(recovered.get("agents")).isEqualTo("3");
    assertThat(recovered.get("ids").split(",")).containsExactlyInAnyOrder("a1", "a2", "a3");
    for (String a : List.of("a1", "a2")) {
      EventLog.Entry back =
          c.await(
              next.process() + " to take " + a + " back",
              START,
              e ->
                  e.process().equals(next.process())
                      && e.kind().equals("agent-registered")
                      && a.equals(e.get("agent"))
                      && epoch(e) == epoch(next));
      assertThat(back.get("reregistered")).isEqualTo("true");
      assertThat(back.get("within_window")).isEqualTo("true");
      assertThat(c.events().entries())
          .anyMatch(
              e ->
                  e.process().equals(a)
                      && e.kind().equals("reregistered")
                      && "true".equals(e.get("master_knew_agent"))
                      && epoch(e) == epoch(next));
    }
    EventLog.Entry gone =
        c.await(
            "a3 to be marked gone",
            failoverBudget(SESSION_TIMEOUT),
            e ->
                e.process().equals(next.process())
                    && e.kind().equals("agent-gone")
                    && epoch(e) == epoch(next));
    assertThat(gone.get("agent")).isEqualTo("a3");
    assertThat(gone.get("reason"))
        .isEqualTo("did not re-register within " + REREGISTRATION_TIMEOUT);
    assertThat(gone.millis() - recovered.millis())
        .isGreaterThanOrEqualTo(Duration.parse("PT" + REREGISTRATION_TIMEOUT).toMillis() - 50);
    assertThat(c.events().entries())
        .noneMatch(e -> e.kind().equals("agent-gone") && !"a3".equals(e.get("agent")));

    for (String m : c.masters()) {
      if (m.equals(leader)) {
        continue;
      }
      assertThat(health(c, m))
          .as("health of %s after %s took over", m, next.process())
          .isEqualTo(m.equals(next.process()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      // The metrics moved across the failover: the new leader leads with a higher epoch.
      int port = metrics.get(m);
      boolean leads = m.equals(next.process());
      assertThat(MetricsScrape.status(port, "/ready"))
          .as("/ready of %s after %s took over", m, next.process())
          .isEqualTo(leads ? 200 : 503);
      assertThat(MetricsScrape.status(port, "/health")).isEqualTo(200);
      await()
          .atMost(START)
          .untilAsserted(
              () -> {
                assertThat(MetricsScrape.value(port, "masterha_candidacy_leading"))
                    .isEqualTo(leads ? 1 : 0);
                assertThat(MetricsScrape.value(port, "masterha_detector_leader_epoch"))
                    .isEqualTo(epoch(next));
              });
      assertThat(MetricsScrape.value(port, "masterha_candidacy_elections_won_total"))
          .isEqualTo(leads ? 1 : 0);
      if (leads) {
        assertThat(MetricsScrape.value(port, "masterha_candidacy_epoch")).isEqualTo(epoch(next));
      }
      assertThat(MetricsScrape.value(port, "masterha_detector_leader_changes_total"))
          .as("leader changes seen by %s", m)
          .isGreaterThanOrEqualTo(2);
      try (MasterClient client = new MasterClient(c.endpoint(m))) {
        GetInfoResponse info = client.info();
        assertThat(info.getLeading()).isEqualTo(m.equals(next.process()));
        assertThat(info.getLeader().getEpoch()).isEqualTo(epoch(next));
        assertThat(info.getLeader().getInfo().getPid()).endsWith("@" + c.endpoint(next.process()));
      }
    }
    // A follower redirects an agent to the leader it sees.
    String follower =
        c.masters().stream()
            .filter(m -> !m.equals(leader) && !m.equals(next.process()))
            .findFirst()
            .orElseThrow();
    try (MasterClient client = new MasterClient(c.endpoint(follower))) {
      RegisterAgentResponse answer = client.register("probe", epoch(next));
      assertThat(answer.hasNotLeader()).isTrue();
      assertThat(answer.getNotLeader().getLeader().getEpoch()).isEqualTo(epoch(next));
    }

    // masterha resolve prints the new leader's MasterInfo as Mesos JSON.
    JvmProcess resolve =
        c.start(
            "resolve", "org.masterha.tools.resolve.ResolveMain", List.of(c.url(), "--timeout=20s"));
    assertThat(resolve.waitFor(START)).contains(0);
    String json = Files.readString(c.dir().resolve("resolve.out"), StandardCharsets.UTF_8).strip();
    assertThat(json)
        .startsWith("{")
        .contains("\"pid\":\"master@" + c.endpoint(next.process()) + "\"");
  }

  @Test
  void cleanShutdownHandsOverWellWithinTheSessionTimeout(TestInfo test) throws Exception {
    // A long session timeout, so that a handover that waited for expiry could not pass.
    Duration timeout = Duration.ofSeconds(20);
    Cluster c = cluster(test, timeout);
    c.startMaster("m1");
    c.startMaster("m2");
    EventLog.Entry first = c.awaitElected(-1, START);
    c.awaitFollowers(first.process(), epoch(first), START);
    c.startAgentViaStore("a1");
    c.awaitRegistered("a1", first.process(), epoch(first), START);

    long stoppedAt = System.currentTimeMillis();
    c.terminate(first.process());
    EventLog.Entry next = c.awaitElected(epoch(first), timeout.dividedBy(2));
    assertThat(next.millis() - stoppedAt)
        .as("handover after SIGTERM, in ms")
        .isLessThan(timeout.dividedBy(4).toMillis());
    c.await(
        first.process() + " to log its clean stop",
        START,
        e -> e.process().equals(first.process()) && e.kind().equals("stopping"));
    assertThat(c.process(first.process()).waitFor(START))
        .as("exit code after SIGTERM")
        .contains(143);
    c.awaitRegistered("a1", next.process(), epoch(next), START);
  }

  @Test
  void frozenLeaderIsFencedByEpochAndExitsWhenItWakes(TestInfo test) throws Exception {
    Cluster c = cluster(test, SESSION_TIMEOUT);
    c.startMaster("m1");
    c.startMaster("m2");
    EventLog.Entry first = c.awaitElected(-1, START);
    String stale = first.process();
    c.awaitFollowers(stale, epoch(first), START);
    c.startAgentViaStore("a1");
    c.startAgentViaStreams("a2");
    c.awaitRegistered("a1", stale, epoch(first), START);
    c.awaitRegistered("a2", stale, epoch(first), START);

    JvmProcess frozen = c.process(stale);
    c.expectEnd(stale);
    frozen.freeze();
    long frozenAt = System.currentTimeMillis();
    EventLog.Entry next;
    try {
      next = c.awaitElected(epoch(first), failoverBudget(SESSION_TIMEOUT));
      c.awaitRegistered("a1", next.process(), epoch(next), failoverBudget(SESSION_TIMEOUT));
      c.awaitRegistered("a2", next.process(), epoch(next), failoverBudget(SESSION_TIMEOUT));
    } finally {
      frozen.thaw();
    }
    // Awake again, the old leader finds its candidacy lost (or sees the new leader) and exits like
    // a Mesos master.
    assertThat(frozen.waitFor(START))
        .as("exit code of the thawed stale leader")
        .hasValueSatisfying(code -> assertThat(code).isIn(10, 11, 12));
    c.await(
        stale + " to say why it exits",
        START,
        e -> e.process().equals(stale) && e.kind().equals("exiting"));
    // No agent went back to it after it was frozen.
    assertThat(c.events().entries())
        .noneMatch(
            e ->
                (e.kind().equals("registered") || e.kind().equals("reregistered"))
                    && c.nameOf(e.get("master")).equals(stale)
                    && e.millis() > frozenAt);

    // An agent that has seen a later epoch refuses this leader and says why...
    long newEpoch = epoch(next);
    c.startAgentViaStore("a3", "--min-epoch=" + (newEpoch + 1));
    EventLog.Entry refused =
        c.await(
            "a3 to refuse " + next.process(),
            START,
            e -> e.process().equals("a3") && e.kind().equals("refused"));
    assertThat(c.nameOf(refused.get("master"))).isEqualTo(next.process());
    assertThat(refused.get("reason")).contains("stale");
    assertThat(c.events().entries())
        .noneMatch(e -> e.process().equals("a3") && e.kind().endsWith("registered"));
    // ...and the leader refuses an agent that has seen a later epoch than its own.
    try (MasterClient client = new MasterClient(c.endpoint(next.process()))) {
      RegisterAgentResponse answer = client.register("from-the-future", newEpoch + 1);
      assertThat(answer.hasNotLeader()).isTrue();
      assertThat(answer.getNotLeader().getMessage()).contains("stale");
    }
  }

  @Test
  void withContendAgainAStaleLeaderStepsDownAndContendsInsteadOfExiting(TestInfo test)
      throws Exception {
    Cluster c = cluster(test, SESSION_TIMEOUT);
    c.startMaster("m1", "--contend-again");
    EventLog.Entry first = c.awaitElected(-1, START);
    assertThat(first.process()).isEqualTo("m1");
    c.startMaster("m2");
    c.awaitFollowers("m1", epoch(first), START);

    JvmProcess m1 = c.process("m1");
    m1.freeze();
    EventLog.Entry next;
    try {
      next = c.awaitElected(epoch(first), failoverBudget(SESSION_TIMEOUT));
    } finally {
      m1.thaw();
    }
    assertThat(next.process()).isEqualTo("m2");
    long thawedAt = System.currentTimeMillis();
    EventLog.Entry steppedDown =
        c.await(
            "m1 to step down",
            START,
            e ->
                e.process().equals("m1")
                    && List.of("lost-leadership", "other-leader", "no-leader-while-leading")
                        .contains(e.kind()));
    // It contends again (a new candidacy, a higher epoch) and follows the new leader, still
    // running.
    EventLog.Entry candidacy =
        c.await(
            "m1 to contend again",
            START,
            e ->
                e.process().equals("m1")
                    && e.kind().equals("candidacy")
                    && Long.parseLong(e.get("epoch")) > epoch(next));
    c.await(
        "m1 to follow m2",
        START,
        e ->
            e.process().equals("m1")
                && e.kind().equals("following")
                && c.nameOf(e.get("leader")).equals("m2")
                && e.millis() >= candidacy.millis());
    assertThat(steppedDown.millis()).isGreaterThanOrEqualTo(thawedAt - 1000);
    assertThat(m1.isAlive()).isTrue();
    assertThat(health(c, "m1")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health(c, "m2")).isEqualTo(ServingStatus.SERVING);
  }
}
