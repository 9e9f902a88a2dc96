package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.common.util.concurrent.ListenableFuture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.Cluster;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;
import org.masterha.demo.launcher.Store;
import org.masterha.proto.v1.GetInfoRequest;
import org.masterha.proto.v1.GetInfoResponse;
import org.masterha.proto.v1.MasterServiceGrpc;

/**
 * Paused masters, for real, on one backend: three master JVMs; again and again the leader, or a
 * follower, is frozen with SIGSTOP for 1.1x to 2x the session timeout (a long GC pause, a stalled
 * VM) and resumed with SIGCONT. A poller asks every running master {@code GetInfo} every 20 ms
 * throughout. After each pause, within the session timeout + 1 s (+ slack, below):
 *
 * <ul>
 *   <li>exactly one master answers {@code leading=true} and every master sees that leader's epoch;
 *   <li>each live session owns exactly the member its master tracks (the one its last {@code
 *       candidacy} event names): no member owned by a live session that its process does not know
 *       about (a ghost), no master holding two, no member of a session no running master has;
 * </ul>
 *
 * and, over the whole run, no poll cycle ever got {@code leading=true} (or SERVING) from two
 * masters, and a leader paused past its session timeout never answers {@code leading=true} to a
 * request sent while it was frozen.
 *
 * <p>{@code --contend-again} masters step down and contend again after a pause; in the default mode
 * a master that lost exits (code 10-13) and the test restarts it under the same name, as a
 * supervisor would.
 *
 * <p>The pauses are drawn from a seeded {@link Random}; the seed is printed and in every failure
 * message. Replay with {@code -Dpause.seed=<seed>}; {@code -Dpause.rounds=<n>} sets the number of
 * pauses per store (default 4, 3 of them with {@code --contend-again}: the suite's share; the
 * randomized fault campaign, {@code bin/masterha chaos}, goes further), so a long run is {@code
 * -Dpause.rounds=50}.
 */
abstract class PauseEndToEndContract {
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);
  static final Duration START = Duration.ofSeconds(60);

  /**
   * Over the session timeout + 1 s: a resumed JVM on a busy 2-core machine (three masters, a
   * poller, the store and two other builds) first catches up on its timers, GC and event loops, and
   * a new candidacy is a few store round trips, each of which can wait for a scheduler slice.
   */
  static final Duration SLACK = Duration.ofSeconds(5);

  /**
   * A master restarted by the test: a JVM start (C1 only, small heap), a new session and a
   * candidacy.
   */
  static final Duration RESTART = Duration.ofSeconds(30);

  static final int ROUNDS = Integer.getInteger("pause.rounds", 4);
  private static final Set<String> IN_FLUX =
      Set.of(
          "started",
          "contending",
          "lost-candidacy",
          "lost-leadership",
          "other-leader",
          "no-leader-while-leading",
          "exiting",
          "stopping");
  private static final Set<String> TIMELINE =
      Set.of(
          "started",
          "contending",
          "candidacy",
          "elected",
          "following",
          "leader",
          "no-leader",
          "lost-candidacy",
          "lost-leadership",
          "other-leader",
          "no-leader-while-leading",
          "exiting",
          "stopping");

  @TempDir Path dir;
  private Cluster cluster;
  private LeadershipPoller poller;
  private StoreMembers members;

  abstract Store store();

  /** A plain client of the store, for {@link StoreMembers#owners}. */
  abstract StoreMembers storeMembers(String url) throws Exception;

  @AfterEach
  void stopProcesses() {
    if (poller != null) {
      poller.close();
    }
    if (members != null) {
      members.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void contendAgainMastersSurvivePausedLeadersAndFollowers(TestInfo test) throws Exception {
    run(test, true, ROUNDS - ROUNDS * 2 / 5);
  }

  @Test
  void defaultModeMastersExitAfterAPauseAndAreRestarted(TestInfo test) throws Exception {
    run(test, false, ROUNDS * 2 / 5);
  }

  /** What a master says it holds: its last candidacy's member and session. */
  record Tracked(long epoch, String member, String session) {}

  /** A settled cluster: the one leader, its epoch, the members as read from the store. */
  record Settled(String leader, long epoch, Map<String, String> owners, long at) {}

  /** The scenario's identity in every message. */
  private record Run(String store, String mode, long seed, int rounds, long startedAt) {}

  private void run(TestInfo test, boolean contendAgain, int rounds) throws Exception {
    long seed = Long.getLong("pause.seed", new Random().nextLong());
    String mode = contendAgain ? "--contend-again" : "default mode";
    Run run = new Run(store().backend(), mode, seed, rounds, System.currentTimeMillis());
    System.out.printf(
        "pause scenario on %s, %s: %d pauses, seed %d (replay with -Dpause.seed=%d)%n",
        run.store(), mode, rounds, seed, seed);
    Random random = new Random(seed);
    String name = test.getTestMethod().orElseThrow().getName();
    String basePath =
        "/pause-"
            + (contendAgain ? "again" : "default")
            + "-"
            + UUID.randomUUID().toString().substring(0, 6);
    cluster = new Cluster(store(), basePath, SESSION_TIMEOUT, dir.resolve(name));
    members = storeMembers(cluster.url());
    String[] flags = contendAgain ? new String[] {"--contend-again"} : new String[0];
    for (String m : List.of("m1", "m2", "m3")) {
      cluster.startMaster(m, flags);
    }
    poller = new LeadershipPoller(cluster).start();
    long startedAt = System.currentTimeMillis();
    Settled settled =
        awaitSettled(
            run, 0, "three masters starting", basePath, startedAt, startedAt, START, null, flags);
    System.out.printf(
        "  settled: %s leads epoch %d; members %s%n",
        settled.leader(), settled.epoch(), settled.owners());

    for (int round = 1; round <= rounds; round++) {
      // Leader and follower rounds alternate, starting with the leader; which follower and how long
      // are random.
      boolean leaderRound = round % 2 == 1;
      String leader = settled.leader();
      List<String> followers = cluster.masters().stream().filter(m -> !m.equals(leader)).toList();
      String target = leaderRound ? leader : followers.get(random.nextInt(followers.size()));
      long pauseMs = Math.round(SESSION_TIMEOUT.toMillis() * (1.1 + 0.9 * random.nextDouble()));
      String what =
          String.format(
              "round %d/%d: %s paused as %s of epoch %d for %d ms (session timeout %d ms)",
              round,
              rounds,
              target,
              leaderRound ? "leader" : "follower",
              settled.epoch(),
              pauseMs,
              SESSION_TIMEOUT.toMillis());
      long roundStart = System.currentTimeMillis();
      JvmProcess frozen = cluster.process(target);
      if (!contendAgain) {
        // It may exit when it wakes (10-13): that end is part of the scenario, not a failure.
        cluster.expectEnd(target);
      }
      poller.paused(target);
      frozen.freeze();
      List<ListenableFuture<GetInfoResponse>> probes = new ArrayList<>();
      long thawedAt;
      LeadershipPoller.Cycle beforeThaw = null;
      try {
        // The pause itself: a timed wait is the scenario here, not a synchronisation.
        TimeUnit.MILLISECONDS.sleep(pauseMs);
        if (leaderRound) {
          // Requests that reach the frozen leader now are answered first thing after SIGCONT,
          // before any timer of
          // its own has run: a master that judges its leadership from its deadline at the call
          // answers false.
          for (int i = 0; i < 3; i++) {
            probes.add(
                MasterServiceGrpc.newFutureStub(poller.channel(target))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getInfo(GetInfoRequest.getDefaultInstance()));
          }
        }
      } finally {
        beforeThaw = poller.latest();
        frozen.thaw();
        thawedAt = System.currentTimeMillis();
        poller.resumed(target);
      }
      checkProbes(
          run, round, what, target, settled.epoch(), probes, beforeThaw, roundStart, thawedAt);
      Settled next =
          awaitSettled(
              run,
              round,
              what,
              basePath,
              roundStart,
              thawedAt,
              SESSION_TIMEOUT.plusSeconds(1).plus(SLACK),
              contendAgain ? null : target,
              flags);
      if (leaderRound) {
        assertThat(next.epoch())
            .as(
                "%s: the leader's epoch after the leader was paused past its session timeout%s",
                what, context(run, round, roundStart))
            .isGreaterThan(settled.epoch());
      } else {
        assertThat(next.leader() + " epoch " + next.epoch())
            .as(
                "%s: a follower's pause must not change the leader%s",
                what, context(run, round, roundStart))
            .isEqualTo(settled.leader() + " epoch " + settled.epoch());
      }
      System.out.printf(
          "  %s: settled %d ms after SIGCONT; %s leads epoch %d; members %s%n",
          what, next.at() - thawedAt, next.leader(), next.epoch(), next.owners());
      settled = next;
    }
    failOnDoubles(run, rounds, run.startedAt());
  }

  /**
   * A leader paused past its session timeout answered none of the requests sent while it was frozen
   * as leader.
   */
  private void checkProbes(
      Run run,
      int round,
      String what,
      String target,
      long epoch,
      List<ListenableFuture<GetInfoResponse>> probes,
      LeadershipPoller.Cycle beforeThaw,
      long roundStart,
      long thawedAt)
      throws InterruptedException {
    for (ListenableFuture<GetInfoResponse> probe : probes) {
      GetInfoResponse answer;
      try {
        answer = probe.get(15, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        continue; // e.g. a default-mode master that exits at once: no answer is no false claim.
      }
      long after = System.currentTimeMillis() - thawedAt;
      if (answer.getLeading() && answer.getLeader().getEpoch() <= epoch) {
        // For the record: when it noticed (its step-down event), if it does within a few seconds.
        try {
          cluster.await(
              target + " to step down",
              Duration.ofSeconds(5),
              e ->
                  e.process().equals(target)
                      && e.millis() >= thawedAt
                      && List.of(
                              "lost-leadership",
                              "other-leader",
                              "no-leader-while-leading",
                              "exiting")
                          .contains(e.kind()));
        } catch (TimeoutException e) {
          // Its silence is in the events below.
        }
        String others =
            beforeThaw == null
                ? "no poll cycle yet"
                : beforeThaw.leading().isEmpty()
                    ? "no other master led"
                    : beforeThaw.leading().get(0).master()
                        + " answered leading=true at epoch "
                        + beforeThaw.leading().get(0).leaderEpoch();
        fail(
            "%s: it answered leading=true (leader epoch %d) to a GetInfo sent while it was frozen, received %d ms after SIGCONT, "
                + "while in the last poll cycle before SIGCONT %s: a resumed deposed leader still answers as leader%s",
            what, answer.getLeader().getEpoch(), after, others, context(run, round, roundStart));
      }
    }
  }

  /**
   * Waits, cycle by cycle of the poller, for a settled cluster (see {@link #check}). {@code
   * restartable}: in the default mode, the paused master, which exits when it finds it lost; it is
   * restarted under its name.
   */
  private Settled awaitSettled(
      Run run,
      int round,
      String what,
      String basePath,
      long roundStart,
      long since,
      Duration budget,
      String restartable,
      String[] flags)
      throws Exception {
    long deadline = System.currentTimeMillis() + budget.toMillis();
    long seen = -1;
    String problem = "no poll cycle completed";
    boolean restarted = false;
    while (true) {
      failOnDoubles(run, round, roundStart);
      Optional<String> died = cluster.unexpectedEnd();
      if (died.isPresent()) {
        fail("%s: %s%s", what, died.get(), context(run, round, roundStart));
      }
      if (restartable != null && !restarted && !cluster.process(restartable).isAlive()) {
        Optional<Integer> code = cluster.process(restartable).waitFor(Duration.ofSeconds(5));
        assertThat(code)
            .as(
                "%s: the exit code of %s after it found it lost%s",
                what, restartable, context(run, round, roundStart))
            .hasValueSatisfying(c -> assertThat(c).isBetween(10, 13));
        cluster.restartMaster(restartable, flags);
        restarted = true;
        // Supervisor time: the budget now runs from the restart, with a JVM start on top.
        deadline =
            Math.max(
                deadline,
                System.currentTimeMillis()
                    + SESSION_TIMEOUT.plusSeconds(1).plus(RESTART).toMillis());
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        fail(
            "%s: not settled within %d ms%s: %s%s",
            what,
            budget.toMillis(),
            restarted ? " (+ a restart of " + restartable + ")" : "",
            problem,
            context(run, round, roundStart));
      }
      LeadershipPoller.Cycle cycle = poller.next(seen, Math.min(left, 1000));
      if (cycle == null) {
        continue;
      }
      seen = cycle.number();
      if (cycle.startedAt() < since) {
        continue;
      }
      Check check = check(cycle, basePath);
      if (check.settled() != null) {
        return check.settled();
      }
      problem = check.problem();
    }
  }

  private record Check(Settled settled, String problem) {
    static Check problem(String problem) {
      return new Check(null, problem);
    }
  }

  /**
   * Settled, as of one poll cycle and a store read after it: every master answered, exactly one
   * leading, all seeing its epoch; every master holds a candidacy; the members in the store and
   * their owners are exactly what the masters track.
   */
  private Check check(LeadershipPoller.Cycle cycle, String basePath) {
    List<String> masters = cluster.masters();
    for (String m : masters) {
      if (!cycle.answers().containsKey(m)) {
        return Check.problem(
            m
                + " did not answer ("
                + cycle.failures().getOrDefault(m, "not polled")
                + ") in "
                + cycle);
      }
    }
    List<LeadershipPoller.Answer> leading = cycle.leading();
    if (leading.size() != 1) {
      return Check.problem(
          (leading.isEmpty() ? "no master" : leading.size() + " masters")
              + " answered leading=true in "
              + cycle);
    }
    LeadershipPoller.Answer leader = leading.get(0);
    for (LeadershipPoller.Answer a : cycle.answers().values()) {
      if (a.leaderEpoch() != leader.leaderEpoch()) {
        return Check.problem(
            a.master()
                + " sees leader epoch "
                + a.leaderEpoch()
                + " while "
                + leader.master()
                + " leads epoch "
                + leader.leaderEpoch()
                + " in "
                + cycle);
      }
    }
    Map<String, Optional<Tracked>> tracked = tracked(masters);
    for (String m : masters) {
      if (tracked.get(m).isEmpty()) {
        return Check.problem(m + " holds no candidacy (it is contending, or has just lost one)");
      }
    }
    if (tracked.get(leader.master()).get().epoch() != leader.leaderEpoch()) {
      return Check.problem(
          leader.master()
              + " leads epoch "
              + leader.leaderEpoch()
              + " but its candidacy is "
              + tracked.get(leader.master()).get());
    }
    Map<String, String> owners;
    try {
      owners = members.owners(basePath);
    } catch (Exception e) {
      // A store read that failed on a busy machine is no verdict: the next cycle reads again,
      // within the deadline.
      return Check.problem("could not read the members from the store: " + e);
    }
    String ownership = ownershipProblems(tracked, owners);
    if (!ownership.isEmpty()) {
      return Check.problem(
          "the store's members do not match what the masters track: "
              + ownership
              + "; store "
              + owners
              + "; tracked "
              + tracked);
    }
    return new Check(
        new Settled(leader.master(), leader.leaderEpoch(), owners, System.currentTimeMillis()),
        null);
  }

  /**
   * Empty when each live session owns exactly the member its master tracks, else every difference.
   */
  private static String ownershipProblems(
      Map<String, Optional<Tracked>> tracked, Map<String, String> owners) {
    List<String> problems = new ArrayList<>();
    Map<String, String> masterOfSession = new TreeMap<>();
    tracked.forEach((m, t) -> masterOfSession.put(t.orElseThrow().session(), m));
    owners.forEach(
        (member, owner) -> {
          String holder = masterOfSession.get(owner);
          if (holder == null) {
            problems.add(
                member + " is owned by session " + owner + ", which no running master has");
          } else if (!tracked.get(holder).orElseThrow().member().equals(member)) {
            problems.add(
                "GHOST "
                    + member
                    + " is owned by "
                    + holder
                    + "'s live session "
                    + owner
                    + ", but "
                    + holder
                    + " tracks "
                    + tracked.get(holder).orElseThrow().member());
          }
        });
    tracked.forEach(
        (m, t) -> {
          Tracked x = t.orElseThrow();
          String owner = owners.get(x.member());
          if (!x.session().equals(owner)) {
            problems.add(
                m
                    + " tracks "
                    + x.member()
                    + " on session "
                    + x.session()
                    + " but the store has it "
                    + (owner == null ? "not at all" : "owned by " + owner));
          }
        });
    return String.join("; ", problems);
  }

  /**
   * Per master, its last candidacy (member name and session) from its events, unless it has since
   * lost it, is contending anew, or has just started; a restarted master's earlier run does not
   * count.
   */
  private Map<String, Optional<Tracked>> tracked(List<String> masters) {
    Map<String, Optional<Tracked>> tracked = new LinkedHashMap<>();
    masters.forEach(m -> tracked.put(m, Optional.empty()));
    for (EventLog.Entry e : cluster.events().entries()) {
      if (!tracked.containsKey(e.process())) {
        continue;
      }
      if (e.kind().equals("candidacy")) {
        String member = e.get("member");
        tracked.put(
            e.process(),
            Optional.of(
                new Tracked(
                    Long.parseLong(e.get("epoch")),
                    member.substring(member.lastIndexOf('/') + 1),
                    String.valueOf(e.get("session")))));
      } else if (IN_FLUX.contains(e.kind())) {
        tracked.put(e.process(), Optional.empty());
      }
    }
    return tracked;
  }

  private void failOnDoubles(Run run, int round, long since) {
    List<LeadershipPoller.Cycle> doubles = poller.doubles();
    if (!doubles.isEmpty()) {
      fail(
          "two masters answered leading=true (or SERVING) in one poll cycle:\n    %s%s",
          doubles.stream().map(Object::toString).collect(Collectors.joining("\n    ")),
          context(run, round, since));
    }
  }

  /**
   * The seed, the round, the masters' events since {@code since} and the last poll cycles, for
   * failure messages.
   */
  private String context(Run run, int round, long since) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%n  on %s, %s, round %d of %d, seed %d (replay: -Dpause.seed=%d -Dpause.rounds=%d); logs in %s",
            run.store(),
            run.mode(),
            round,
            run.rounds(),
            run.seed(),
            run.seed(),
            ROUNDS,
            cluster.dir()));
    sb.append(String.format("%n  events since the round started (ms after %d):", since));
    for (EventLog.Entry e : cluster.events().entries()) {
      if (e.millis() >= since - 500 && TIMELINE.contains(e.kind())) {
        String fields =
            e.event().fields().entrySet().stream()
                .filter(f -> !f.getKey().equals("name") && !f.getKey().equals("t"))
                .map(f -> f.getKey() + "=" + f.getValue())
                .collect(Collectors.joining(" "));
        sb.append(
            String.format(
                "%n    %+6d %s %s %s", e.millis() - since, e.process(), e.kind(), fields));
      }
    }
    sb.append(String.format("%n  last poll cycles:%n")).append(poller.recent(8));
    return sb.toString();
  }
}
