package org.masterha.chaos.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.masterha.chaos.history.Event;
import org.masterha.chaos.history.HistoryWriter;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Detector;
import org.masterha.ha.leader.Leader;
import org.masterha.ha.state.LeadershipLostException;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.proto.MasterInfo;

/**
 * One master of the fault campaign, in a process of its own: it contends; while it believes it
 * leads it acts every few tens of milliseconds and performs fenced compare-and-swap writes to the
 * register, each tagged with its epoch and a unique operation id; after losing it contends again
 * with a fresh session (as a restarted master would); a detector on a session of its own reports
 * every leader it sees. Every step goes to the process's history file, one flushed line each.
 *
 * <p>Arguments: {@code URL NAME LIFE HISTORY_DIR SESSION_TIMEOUT_MS}. Standard input is the control
 * channel, one command a line: {@code block MS} (the callback executor runs a task that sleeps
 * {@code MS} milliseconds, so every callback of the library waits behind it) and {@code quit}.
 */
public final class ChaosNode {
  /** The name of the state variable every node writes. */
  public static final String REGISTER = "register";

  /**
   * The epoch line the node logs: always the same, since a node cannot know the store's line (each
   * detector numbers its own); the checker draws lines from the nemesis's wipes (WipeLines).
   */
  public static final String LINE = "1";

  private final String url;
  private final String name;
  private final int life;
  private final Duration sessionTimeout;
  private final HistoryWriter history;
  private final ExecutorService callbacks =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "node-callbacks");
            t.setDaemon(true);
            return t;
          });
  private final Random random = new Random();
  private final PendingWrite pending;
  private long opSeq;

  private ChaosNode(
      String url,
      String name,
      int life,
      Duration sessionTimeout,
      HistoryWriter history,
      PendingWrite pending) {
    this.url = url;
    this.name = name;
    this.life = life;
    this.sessionTimeout = sessionTimeout;
    this.history = history;
    this.pending = pending;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: ChaosNode URL NAME LIFE HISTORY_DIR SESSION_TIMEOUT_MS");
      System.exit(2);
    }
    String name = args[1];
    int life = Integer.parseInt(args[2]);
    Path dir = Path.of(args[3]);
    HistoryWriter history = HistoryWriter.open(dir, name, life);
    history.start();
    PendingWrite pending = new PendingWrite(dir, name);
    pending.recover(life);
    ChaosNode node =
        new ChaosNode(
            args[0], name, life, Duration.ofMillis(Long.parseLong(args[4])), history, pending);
    Thread control = new Thread(node::control, "node-control");
    control.setDaemon(true);
    control.start();
    Thread detector = new Thread(node::detect, "node-detector");
    detector.setDaemon(true);
    detector.start();
    node.contendForever();
  }

  /** Reads commands from standard input until it closes (the runner went away: exit). */
  private void control() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.trim().split("\\s+");
        if (words[0].equals("block") && words.length == 2) {
          long ms = Long.parseLong(words[1]);
          System.out.println(name + ": blocking callbacks for " + ms + " ms");
          callbacks.execute(() -> sleep(ms));
        } else if (words[0].equals("quit")) {
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      System.err.println(name + ": control channel failed: " + e);
    }
    System.exit(0);
  }

  private HaSession open() {
    while (true) {
      try {
        return HaBackends.load()
            .open(
                HaConfig.builder()
                    .url(url)
                    .sessionTimeout(sessionTimeout)
                    .callbackExecutor(callbacks)
                    .build());
      } catch (RuntimeException e) {
        System.err.println(name + ": cannot open a session yet: " + e);
        sleep(200);
      }
    }
  }

  /** Closes a session without waiting for it: the store may be unreachable. */
  private static void closeLater(HaSession session) {
    Thread t = new Thread(session::close, "node-session-close");
    t.setDaemon(true);
    t.start();
  }

  /** Follows the leader on a session of its own and logs every report. */
  private void detect() {
    while (true) {
      HaSession session = open();
      CompletableFuture<Throwable> failed = new CompletableFuture<>();
      try (Detector detector = session.detector();
          Detector.Following following =
              detector.follow(
                  new org.masterha.ha.leader.LeaderListener() {
                    @Override
                    public void leaderChanged(Optional<Leader> leader) {
                      history.detected(
                          LINE,
                          leader.map(Leader::epoch).orElse(-1L),
                          leader.map(l -> l.info().getId()).orElse(""));
                    }

                    @Override
                    public void detectionFailed(Throwable cause) {
                      failed.complete(cause);
                    }
                  })) {
        Throwable cause = failed.join();
        System.err.println(name + ": detection failed, following again: " + cause);
      } catch (RuntimeException e) {
        System.err.println(name + ": detector: " + e);
      }
      closeLater(session);
      sleep(200);
    }
  }

  private void contendForever() {
    MasterInfo me = MasterInfos.of(name, "127.0.0.1", 5050, "localhost", "chaos");
    while (true) {
      HaSession session = open();
      try {
        runCandidacy(session, me);
      } catch (RuntimeException e) {
        System.err.println(name + ": candidacy ended with " + e);
      }
      closeLater(session);
    }
  }

  /** One candidacy, from contend() to its loss. */
  private void runCandidacy(HaSession session, MasterInfo me) {
    Candidacy candidacy;
    try {
      candidacy = session.contender(me).contend().get(3 * sessionTimeout.toMillis(), MILLIS);
    } catch (ExecutionException | TimeoutException e) {
      System.err.println(name + ": contend failed: " + e);
      return;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    long epoch = candidacy.epoch();
    history.contending(LINE, epoch);
    // Logged when the library says so (on its callback thread), or below if it never does.
    AtomicBoolean lostLogged = new AtomicBoolean();
    candidacy
        .lost()
        .whenComplete(
            (v, e) -> {
              if (lostLogged.compareAndSet(false, true)) {
                history.lost(LINE, epoch, e == null ? "lost" : String.valueOf(unwrap(e)));
              }
            });
    CompletableFuture.anyOf(candidacy.elected(), candidacy.lost()).exceptionally(e -> null).join();
    if (candidacy.elected().isDone() && !candidacy.elected().isCompletedExceptionally()) {
      history.elected(LINE, epoch);
      lead(candidacy, session.state(candidacy), epoch);
    }
    try {
      candidacy.lost().get(3 * sessionTimeout.toMillis(), MILLIS);
    } catch (ExecutionException e) {
      // logged by the callback
    } catch (TimeoutException e) {
      if (lostLogged.compareAndSet(false, true)) {
        history.lost(
            LINE, epoch, "isLeader() false and lost() not completed within 3 session timeouts");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** Acts and writes while isLeader() says so; returns when it does not, or a write is refused. */
  private void lead(Candidacy candidacy, State state, long epoch) {
    // No store call may hold the leader longer than a session timeout: past it, a write's outcome
    // is unknown (logged as such, with the reason in the node's log) and the leader acts again.
    long waitMs = sessionTimeout.toMillis();
    while (true) {
      long t = System.nanoTime();
      if (!candidacy.isLeader()) {
        return;
      }
      history.act(t, LINE, epoch);
      Variable current;
      try {
        current = state.fetch(REGISTER).get(waitMs, MILLIS);
      } catch (ExecutionException | TimeoutException e) {
        sleep(20);
        continue;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      String prevOp = opOf(current);
      history.read(prevOp, current.version());
      String op = name + "." + life + "." + (++opSeq);
      byte[] value = (op + "|" + prevOp + "|" + epoch).getBytes(StandardCharsets.UTF_8);
      t = System.nanoTime();
      if (!candidacy.isLeader()) {
        return;
      }
      history.act(t, LINE, epoch);
      long tInvoke = System.nanoTime();
      pending.begin(life, epoch, op, prevOp, current.version(), tInvoke);
      Event.Outcome outcome;
      long version = 0;
      boolean deposed = false;
      String why = null;
      try {
        Optional<Variable> stored = state.store(current, value).get(waitMs, MILLIS);
        if (stored.isPresent()) {
          outcome = Event.Outcome.OK;
          version = stored.get().version();
        } else {
          outcome = Event.Outcome.REFUSED;
          why = "version conflict (empty result)";
        }
      } catch (ExecutionException | CompletionException e) {
        // The contract: a failed future means not applied, except OutcomeUnknownException.
        Throwable cause = e.getCause();
        why = String.valueOf(cause);
        if (cause instanceof OutcomeUnknownException) {
          outcome = Event.Outcome.UNKNOWN;
        } else {
          outcome = Event.Outcome.REFUSED;
          deposed = cause instanceof LeadershipLostException;
        }
      } catch (TimeoutException e) {
        outcome = Event.Outcome.UNKNOWN;
        why = "no answer within " + waitMs + " ms";
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      if (why != null) {
        // The history format has no room for the reason; the node's log has it, by op.
        System.err.println(
            java.time.Instant.now() + " " + name + ": write " + op + " " + outcome + ": " + why);
      }
      history.write(LINE, epoch, op, prevOp, current.version(), tInvoke, outcome, version);
      pending.done();
      if (deposed) {
        return;
      }
      sleep(20 + random.nextInt(31));
    }
  }

  /** The op id of a register value {@code op|prevOp|epoch}; "" when it is empty. */
  public static String opOf(Variable v) {
    String s = new String(v.value(), StandardCharsets.UTF_8);
    int bar = s.indexOf('|');
    return bar < 0 ? s : s.substring(0, bar);
  }

  private static final TimeUnit MILLIS = TimeUnit.MILLISECONDS;

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
