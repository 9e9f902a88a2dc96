package org.masterha.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.masterha.stores.JavaProcess;

/**
 * The four scenarios, each run for masterha and the raw recipe on one store; on a store with no raw
 * recipe (raft), for masterha alone, its raw figures left empty.
 */
final class Scenarios {
  private static final long MS = 1_000_000L;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final BenchOptions o;
  private final BenchStore store;
  private final List<Recipe> recipes;
  private final Path logDir;
  private final Progress progress;
  private final List<Figure> figures;
  private final String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

  Scenarios(
      BenchOptions o, BenchStore store, Path logDir, Progress progress, List<Figure> figures) {
    this.o = o;
    this.store = store;
    this.recipes = store.recipes();
    this.logDir = logDir;
    this.progress = progress;
    this.figures = figures;
  }

  /** The progress line on standard error. */
  static final class Progress {
    private final PrintStream err;
    private final boolean terminal = System.console() != null;

    Progress(PrintStream err) {
      this.err = err;
    }

    synchronized void show(String line) {
      if (terminal) {
        err.print("\r\033[K" + line);
      } else {
        err.println(line);
      }
      err.flush();
    }

    synchronized void done(String line) {
      if (terminal) {
        err.print("\r\033[K");
      }
      err.println(line);
      err.flush();
    }
  }

  void run(String scenario) throws Exception {
    switch (scenario) {
      case "graceful-handover" -> gracefulHandover();
      case "crash-failover" -> crashFailover();
      case "detector-fanout" -> detectorFanout();
      case "idle-cost" -> idleCost();
      default -> throw new IllegalArgumentException(scenario);
    }
  }

  private String path(String scenario, Recipe r) {
    return "/bench-" + run + "/" + scenario + "-" + r.name();
  }

  private Recipe masterha() {
    return recipes.get(0);
  }

  /** Whether the store has a raw recipe to compare with: raft has masterha's only. */
  private boolean hasRaw() {
    return recipes.size() > 1;
  }

  /** The raw recipe's value out of the per-recipe values, null on a store without one. */
  private <T> T rawOf(List<T> perRecipe) {
    return hasRaw() ? perRecipe.get(1) : null;
  }

  /** The progress line's ", raw ..." part, empty on a store without a raw recipe. */
  private String rawProgress(String format, List<Double> perRecipe) {
    return hasRaw() ? ", raw " + String.format(format, perRecipe.get(1)) : "";
  }

  private void add(
      String scenario, String figure, String unit, Double m, Double r, Double target, String note) {
    String rawRecipe = hasRaw() ? recipes.get(1).description() : null;
    figures.add(new Figure(store.name(), scenario, figure, unit, m, r, rawRecipe, target, note));
  }

  private static double ms(long nanos) {
    return nanos / (double) MS;
  }

  private static <T> T await(CompletableFuture<T> f, long seconds, String what) throws Exception {
    try {
      return f.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
    }
  }

  private static void sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
  }

  // ---- graceful handover ----------------------------------------------------------------------

  /** One recipe's contenders and detectors for the handover rounds. */
  private final class Election implements AutoCloseable {
    final Recipe recipe;
    final List<Recipe.Candidate> candidates = new ArrayList<>();
    final List<CompletableFuture<Long>> elected = new ArrayList<>();
    final List<Recipe.Observers> sessions = new ArrayList<>();
    final ObserverSet observers = new ObserverSet();
    final Stats toElected = new Stats();
    final Stats toLast = new Stats();
    final Stats requests = new Stats();
    int leader;

    Election(Recipe recipe, String path, int contenders, int detectors, int detectorSessions)
        throws Exception {
      this.recipe = recipe;
      for (int i = 0; i < contenders; i++) {
        Recipe.Candidate c = recipe.candidate(path, recipe.name() + "-c" + i, o.sessionTimeout());
        candidates.add(c);
        elected.add(c.contend());
        if (i == 0) {
          await(elected.get(0), 60, recipe.name() + " first contender elected");
        }
      }
      leader = 0;
      for (int s = 0; s < detectorSessions; s++) {
        sessions.add(recipe.observers(path, o.sessionTimeout()));
      }
      for (int d = 0; d < detectors; d++) {
        observers.add(sessions.get(d % detectorSessions));
      }
      String first = candidates.get(0).id();
      observers.arm(first::equals);
      if (!observers.await(detectors, 60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            recipe.name()
                + ": only "
                + observers.seen()
                + " of "
                + detectors
                + " detectors saw the first leader within 60 s");
      }
    }

    /** The leader withdraws; measures the next election and the last detector's sighting. */
    void handover() throws Exception {
      Recipe.Candidate old = candidates.get(leader);
      String oldId = old.id();
      observers.arm(id -> id != null && !id.equals(oldId));
      List<CompletableFuture<Long>> others = new ArrayList<>();
      for (int i = 0; i < candidates.size(); i++) {
        if (i != leader) {
          others.add(elected.get(i));
        }
      }
      OptionalLong before = store.requests();
      long t0 = System.nanoTime();
      old.withdraw();
      await(
          CompletableFuture.anyOf(others.toArray(CompletableFuture[]::new)),
          30,
          recipe.name() + " next contender elected");
      int next = -1;
      long electedAt = Long.MAX_VALUE;
      for (int i = 0; i < candidates.size(); i++) {
        CompletableFuture<Long> f = elected.get(i);
        if (i != leader && f.isDone() && !f.isCompletedExceptionally() && f.join() < electedAt) {
          electedAt = f.join();
          next = i;
        }
      }
      if (!observers.await(observers.size(), 30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            recipe.name()
                + ": only "
                + observers.seen()
                + " of "
                + observers.size()
                + " detectors saw the new leader within 30 s");
      }
      toElected.add(ms(electedAt - t0));
      toLast.add(ms(observers.last() - t0));
      elected.set(leader, old.contend()); // back in the line, behind the others
      leader = next;
      // The whole cycle, the old leader's return included, so nothing of it spills into the window
      // of the other recipe's round.
      sleep(150);
      OptionalLong after = store.requests();
      if (before.isPresent() && after.isPresent()) {
        requests.add(after.getAsLong() - before.getAsLong());
      }
    }

    @Override
    public void close() {
      observers.close();
      sessions.forEach(Recipe.Observers::close);
      candidates.forEach(Recipe.Candidate::close);
    }
  }

  private void gracefulHandover() throws Exception {
    String scenario = "graceful-handover";
    List<Election> elections = new ArrayList<>();
    try {
      for (Recipe r : recipes) {
        progress.show("[" + store.name() + " " + scenario + "] setting up " + r.name());
        elections.add(
            new Election(
                r, path(scenario, r), o.contenders(), o.detectors(), o.detectorSessions()));
      }
      sleep(200);
      for (int round = 1; round <= o.rounds(); round++) {
        // Interleaved, and alternating which goes first, so drift in the machine's load hits both.
        for (int k = 0; k < elections.size(); k++) {
          Election e = elections.get(round % 2 == 1 ? k : elections.size() - 1 - k);
          e.handover();
        }
        progress.show(
            String.format(
                "[%s %s] round %d/%d  last detector: masterha %.1f ms%s",
                store.name(),
                scenario,
                round,
                o.rounds(),
                elections.get(0).toLast.percentile(50),
                rawProgress(
                    "%.1f ms", elections.stream().map(e -> e.toLast.percentile(50)).toList())));
      }
      Election m = elections.get(0);
      Election r = rawOf(elections);
      boolean bounded = !store.name().equals("consul");
      String det = "last of " + o.detectors() + " detectors";
      add(
          scenario,
          "next elected() p50",
          "ms",
          m.toElected.percentile(50),
          r == null ? null : r.toElected.percentile(50),
          null,
          null);
      add(
          scenario,
          "next elected() p99",
          "ms",
          m.toElected.percentile(99),
          r == null ? null : r.toElected.percentile(99),
          null,
          null);
      add(
          scenario,
          det + " p50",
          "ms",
          m.toLast.percentile(50),
          r == null ? null : r.toLast.percentile(50),
          null,
          null);
      add(
          scenario,
          det + " p90",
          "ms",
          m.toLast.percentile(90),
          r == null ? null : r.toLast.percentile(90),
          null,
          null);
      add(
          scenario,
          det + " p99",
          "ms",
          m.toLast.percentile(99),
          r == null ? null : r.toLast.percentile(99),
          bounded ? 20.0 : null,
          null);
      add(
          scenario,
          det + " max",
          "ms",
          m.toLast.max(),
          r == null ? null : r.toLast.max(),
          null,
          null);
      add(
          scenario,
          "store requests per handover and rejoin",
          "requests",
          m.requests.mean(),
          r == null ? null : r.requests.mean(),
          null,
          store.requestCounter());
      progress.done("[" + store.name() + " " + scenario + "] done, " + o.rounds() + " rounds");
    } finally {
      elections.forEach(Election::close);
    }
  }

  // ---- crash failover -------------------------------------------------------------------------

  private void crashFailover() throws Exception {
    String scenario = "crash-failover";
    double timeoutMs = o.sessionTimeout().toMillis();
    List<Stats> firstSeen = new ArrayList<>();
    List<Recipe.Observers> sessions = new ArrayList<>();
    List<ObserverSet> sets = new ArrayList<>();
    try {
      for (Recipe r : recipes) {
        firstSeen.add(new Stats());
        Recipe.Observers session = r.observers(path(scenario, r), o.sessionTimeout());
        sessions.add(session);
        ObserverSet set = new ObserverSet();
        for (int d = 0; d < 5; d++) {
          set.add(session);
        }
        sets.add(set);
      }
      for (int round = 1; round <= o.crashRounds(); round++) {
        for (int k = 0; k < recipes.size(); k++) {
          int i = round % 2 == 1 ? k : recipes.size() - 1 - k;
          Recipe r = recipes.get(i);
          progress.show(
              String.format(
                  "[%s %s] round %d/%d %s: starting the leader's JVM",
                  store.name(), scenario, round, o.crashRounds(), r.name()));
          firstSeen.get(i).add(crashRound(r, sets.get(i), round) / timeoutMs);
        }
        progress.show(
            String.format(
                "[%s %s] round %d/%d  failover/timeout: masterha %.2f%s",
                store.name(),
                scenario,
                round,
                o.crashRounds(),
                firstSeen.get(0).percentile(50),
                rawProgress("%.2f", firstSeen.stream().map(f -> f.percentile(50)).toList())));
      }
      double target = (timeoutMs + 100) / timeoutMs;
      String note = "session timeout " + o.sessionTimeout().toMillis() + " ms";
      Stats raw = rawOf(firstSeen);
      add(
          scenario,
          "kill -9 to first detector p50",
          "x session timeout",
          firstSeen.get(0).percentile(50),
          raw == null ? null : raw.percentile(50),
          target,
          note);
      add(
          scenario,
          "kill -9 to first detector max",
          "x session timeout",
          firstSeen.get(0).max(),
          raw == null ? null : raw.max(),
          target,
          note);
      add(
          scenario,
          "kill -9 to first detector max",
          "ms",
          firstSeen.get(0).max() * timeoutMs,
          raw == null ? null : raw.max() * timeoutMs,
          timeoutMs + 100,
          note);
      progress.done("[" + store.name() + " " + scenario + "] done, " + o.crashRounds() + " rounds");
    } finally {
      sets.forEach(ObserverSet::close);
      sessions.forEach(Recipe.Observers::close);
    }
  }

  /** Returns milliseconds from the kill to the first detector seeing another leader. */
  private double crashRound(Recipe r, ObserverSet set, int round) throws Exception {
    String path = path("crash-failover", r);
    String childId = r.name() + "-crashed-" + round;
    JavaProcess child =
        JavaProcess.start(
            "bench-contender",
            List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            BenchContenderMain.class.getName(),
            List.of(
                store.name(),
                store.endpoint(),
                r.name(),
                path,
                childId,
                Long.toString(o.sessionTimeout().toMillis())),
            logDir.resolve("contender-" + store.name() + "-" + r.name() + "-" + round + ".log"));
    Thread reaper = new Thread(() -> BenchStore.killQuietly(child));
    Runtime.getRuntime().addShutdownHook(reaper); // Ctrl-C must not leave it behind
    List<Recipe.Candidate> backups = new ArrayList<>();
    try {
      set.arm(childId::equals);
      if (!set.await(1, 120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "the contender JVM " + childId + " was not seen leading:\n" + child.logTail(20));
      }
      List<CompletableFuture<Long>> elected = new ArrayList<>();
      for (int b = 0; b < 2; b++) {
        Recipe.Candidate c =
            r.candidate(path, r.name() + "-backup-" + round + "-" + b, o.sessionTimeout());
        backups.add(c);
        elected.add(c.contend());
      }
      sleep(300); // the backups are in line
      set.arm(id -> id != null && !id.equals(childId));
      long t0 = System.nanoTime();
      child.kill();
      long wait = o.sessionTimeout().toSeconds() * 3 + 30;
      if (!set.await(1, wait, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            r.name() + ": no detector saw a new leader " + wait + " s after the kill");
      }
      return ms(set.first() - t0);
    } finally {
      if (child.isAlive()) {
        child.kill();
      }
      Runtime.getRuntime().removeShutdownHook(reaper);
      backups.forEach(Recipe.Candidate::close);
    }
  }

  // ---- detector fan-out -----------------------------------------------------------------------

  /**
   * Waits (up to 25 s) until this JVM's live thread count stops falling, so threads and buffers an
   * earlier scenario closed are gone before a baseline is taken.
   */
  private static void quiesce() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
    int before = THREADS.getThreadCount();
    int stable = 0;
    while (stable < 1 && System.nanoTime() - deadline < 0) {
      sleep(250);
      int now = THREADS.getThreadCount();
      stable = now >= before ? stable + 1 : 0;
      before = now;
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      sleep(30);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private void detectorFanout() throws Exception {
    String scenario = "detector-fanout";
    for (int n : o.fanout()) {
      Double[][] f = new Double[recipes.size()][];
      for (int i = 0; i < recipes.size(); i++) {
        Recipe r = recipes.get(i);
        if (r.name().equals("raw") && store.name().equals("consul") && n > 1000) {
          f[i] = null; // a thread and a connection per blocking query: not at this size
          continue;
        }
        f[i] = fanout(r, n, scenario);
      }
      Double[] raw = hasRaw() ? f[1] : null;
      String note =
          hasRaw() && raw == null
              ? "raw recipe not run: a thread per blocking query at " + n + " detectors"
              : null;
      add(
          scenario,
          n + " detectors: heap per detector",
          "KiB",
          f[0][0],
          raw == null ? null : raw[0],
          20.0,
          note);
      // "No thread per detector": the threads the session and its detectors started, per 1,000.
      add(
          scenario,
          n + " detectors: threads started per 1,000 more detectors",
          "threads",
          f[0][1] * 1000 / n,
          raw == null ? null : raw[1] * 1000 / n,
          10.0,
          note);
      add(
          scenario,
          n + " detectors: change to last notified p50",
          "ms",
          f[0][2],
          raw == null ? null : raw[2],
          100.0,
          note);
      add(
          scenario,
          n + " detectors: change to last notified max",
          "ms",
          f[0][3],
          raw == null ? null : raw[3],
          100.0,
          note);
    }
    progress.done("[" + store.name() + " " + scenario + "] done");
  }

  /** Heap KiB per detector, threads created, last notified p50 and max (ms). */
  private Double[] fanout(Recipe r, int n, String scenario) throws Exception {
    String path = path(scenario, r) + "-" + n;
    String label = "[" + store.name() + " " + scenario + "] " + r.name() + " " + n + " detectors";
    List<Recipe.Candidate> candidates = new ArrayList<>();
    Recipe.Observers session = null;
    ObserverSet set = new ObserverSet();
    try {
      List<CompletableFuture<Long>> elected = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        Recipe.Candidate cand = r.candidate(path, r.name() + "-f" + c, o.sessionTimeout());
        candidates.add(cand);
        elected.add(cand.contend());
        if (c == 0) {
          await(elected.get(0), 60, "first contender elected");
        }
      }
      quiesce();
      long heap0 = heapAfterGc();
      session = r.observers(path, o.sessionTimeout());
      String firstId = candidates.get(0).id();
      set.arm(firstId::equals);
      // The first detector starts what the session starts once; threads are counted after it.
      set.add(session);
      if (!set.await(1, 60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(r.name() + ": the first detector did not see the leader");
      }
      long threads0 = THREADS.getTotalStartedThreadCount();
      for (int d = 1; d < n; d++) {
        set.add(session);
        if (d % 1000 == 999) {
          progress.show(label + ": created " + (d + 1));
        }
      }
      if (!set.await(n, 120 + n / 50, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            r.name() + ": only " + set.seen() + " of " + n + " detectors saw the leader");
      }
      sleep(200);
      long heap1 = heapAfterGc();
      long threads1 = THREADS.getTotalStartedThreadCount();
      Stats last = new Stats();
      int leader = 0;
      for (int k = 1; k <= o.fanoutRounds(); k++) {
        int next = 1 - leader;
        String nextId = candidates.get(next).id();
        set.arm(nextId::equals);
        long t0 = System.nanoTime();
        candidates.get(leader).withdraw();
        if (!set.await(n, 120 + n / 50, TimeUnit.SECONDS)) {
          throw new IllegalStateException(
              r.name() + ": only " + set.seen() + " of " + n + " detectors saw the change");
        }
        last.add(ms(set.last() - t0));
        elected.set(leader, candidates.get(leader).contend());
        sleep(200); // back in line
        leader = next;
        progress.show(
            label
                + ": change "
                + k
                + "/"
                + o.fanoutRounds()
                + ", last notified after "
                + Report.number(last.max())
                + " ms");
      }
      return new Double[] {
        (heap1 - heap0) / 1024.0 / n,
        (double) (threads1 - threads0) * n / Math.max(1, n - 1),
        last.percentile(50),
        last.max()
      };
    } finally {
      set.close();
      if (session != null) {
        session.close();
      }
      candidates.forEach(Recipe.Candidate::close);
    }
  }

  // ---- idle cost ------------------------------------------------------------------------------

  private double rate(long windowMs) throws InterruptedException {
    OptionalLong a = store.requests();
    sleep(windowMs);
    OptionalLong b = store.requests();
    if (a.isEmpty() || b.isEmpty()) {
      return Double.NaN;
    }
    return (b.getAsLong() - a.getAsLong()) * 1000.0 / windowMs;
  }

  private void idleCost() throws Exception {
    String scenario = "idle-cost";
    long window = o.idle().toMillis();
    double[][] v = new double[recipes.size()][];
    progress.show("[" + store.name() + " " + scenario + "] store baseline over " + window + " ms");
    quiesce();
    double base = rate(window); // what the store receives with nothing of ours on it
    for (int i = 0; i < recipes.size(); i++) {
      Recipe r = recipes.get(i);
      String label = "[" + store.name() + " " + scenario + "] " + r.name();
      String path = path(scenario, r);
      List<Recipe.Candidate> candidates = new ArrayList<>();
      List<Recipe.Observers> sessions = new ArrayList<>();
      ObserverSet set = new ObserverSet();
      try {
        quiesce();
        long heap0 = heapAfterGc();
        long threads0 = THREADS.getThreadCount();
        for (int c = 0; c < o.contenders(); c++) {
          Recipe.Candidate cand = r.candidate(path, r.name() + "-i" + c, o.sessionTimeout());
          candidates.add(cand);
          CompletableFuture<Long> e = cand.contend();
          if (c == 0) {
            await(e, 60, "first contender elected");
          }
        }
        sleep(Math.min(1000, window));
        long heap1 = heapAfterGc();
        long threads1 = THREADS.getThreadCount();
        progress.show(label + ": " + o.contenders() + " idle contenders over " + window + " ms");
        double contenders = rate(window);
        for (int s = 0; s < o.detectorSessions(); s++) {
          sessions.add(r.observers(path, o.sessionTimeout()));
        }
        String leaderId = candidates.get(0).id();
        set.arm(leaderId::equals);
        for (int d = 0; d < o.detectors(); d++) {
          set.add(sessions.get(d % sessions.size()));
        }
        if (!set.await(o.detectors(), 60, TimeUnit.SECONDS)) {
          throw new IllegalStateException(r.name() + ": the detectors did not see the leader");
        }
        sleep(Math.min(1000, window));
        long heap2 = heapAfterGc();
        long threads2 = THREADS.getThreadCount();
        progress.show(label + ": and " + o.detectors() + " idle detectors over " + window + " ms");
        double withDetectors = rate(window);
        v[i] =
            new double[] {
              (contenders - base) / o.contenders(),
              (withDetectors - contenders) / o.detectors(),
              (heap1 - heap0) / 1024.0 / o.contenders(),
              (double) (threads1 - threads0) / o.contenders(),
              (heap2 - heap1) / 1024.0 / o.detectors(),
              (double) (threads2 - threads1) / o.detectors()
            };
      } finally {
        set.close();
        sessions.forEach(Recipe.Observers::close);
        candidates.forEach(Recipe.Candidate::close);
      }
    }
    String timeout = "session timeout " + o.sessionTimeout().toMillis() + " ms";
    String perDetector =
        o.detectors() + " detectors on " + o.detectorSessions() + " sessions, " + timeout;
    double[] raw = rawOf(Arrays.asList(v));
    add(
        scenario,
        "requests/s per idle contender",
        "req/s",
        num(v[0][0]),
        raw == null ? null : num(raw[0]),
        1.0,
        timeout);
    add(
        scenario,
        "requests/s per idle detector",
        "req/s",
        num(v[0][1]),
        raw == null ? null : num(raw[1]),
        null,
        perDetector);
    add(
        scenario,
        "client heap per contender",
        "KiB",
        v[0][2],
        raw == null ? null : raw[2],
        null,
        null);
    add(
        scenario,
        "client threads per contender",
        "threads",
        v[0][3],
        raw == null ? null : raw[3],
        null,
        null);
    add(
        scenario,
        "client heap per detector",
        "KiB",
        v[0][4],
        raw == null ? null : raw[4],
        null,
        perDetector);
    add(
        scenario,
        "client threads per detector",
        "threads",
        v[0][5],
        raw == null ? null : raw[5],
        null,
        perDetector);
    progress.done("[" + store.name() + " " + scenario + "] done");
  }

  private static Double num(double d) {
    return Double.isNaN(d) ? null : d;
  }
}
