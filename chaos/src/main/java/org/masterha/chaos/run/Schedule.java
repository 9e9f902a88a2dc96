package org.masterha.chaos.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The faults of one campaign on one store, drawn from a seeded {@link Random} before anything runs,
 * so the same seed always gives the same schedule (the timing of the processes of course differs).
 * Targets are drawn too: "the leader" is resolved when the fault is injected, to whichever node
 * acts as leader then (falling back to the drawn node when none does).
 */
final class Schedule {
  /** A node fault. */
  static final String KILL_NODE = "kill-node";

  static final String PAUSE_NODE = "pause-node";
  static final String FREEZE_CONNECTION = "freeze-connection";
  static final String CUT_CONNECTION = "cut-connection";
  static final String BLOCK_CALLBACKS = "block-callbacks";

  /** A store fault. */
  static final String KILL_STORE_MEMBER = "kill-store-member";

  static final String KILL_STORE_LEADER = "kill-store-leader";
  static final String PAUSE_STORE = "pause-store";

  /**
   * The base path deleted under the running nodes (an operator wiping the store): on ZooKeeper the
   * epochs start again from 0. Also a named schedule.
   */
  static final String WIPE_STORE = "wipe-store";

  /** The named schedules of the paused-leader issue. */
  static final String PAUSED_LEADER = "paused-leader";

  static final String GHOST_MEMBER = "ghost-member";

  /** Two faults at once. */
  static final String COMBINED = "combined";

  static final List<String> NAMED = List.of(PAUSED_LEADER, GHOST_MEMBER, WIPE_STORE);

  /**
   * One fault to inject.
   *
   * @param leader aim at the node acting as leader when injected (node faults)
   * @param index the drawn node, or store member, to aim at otherwise
   * @param durationMs how long the fault lasts (for kill-node: until the restart)
   * @param delayMs ghost-member only: from the restarted node's start to its pause
   */
  record Part(String kind, boolean leader, int index, long durationMs, long delayMs) {
    boolean onStore() {
      return kind.equals(KILL_STORE_MEMBER)
          || kind.equals(KILL_STORE_LEADER)
          || kind.equals(PAUSE_STORE)
          || kind.equals(WIPE_STORE);
    }

    @Override
    public String toString() {
      String target =
          switch (kind) {
            case KILL_STORE_LEADER -> "store-leader";
            case WIPE_STORE -> "base-path";
            case KILL_STORE_MEMBER, PAUSE_STORE -> "store-member " + index;
            default -> leader ? "leader (else node " + (index + 1) + ")" : "node " + (index + 1);
          };
      return kind
          + " "
          + target
          + " "
          + durationMs
          + "ms"
          + (kind.equals(GHOST_MEMBER) ? " after start+" + delayMs + "ms" : "");
    }
  }

  /** Fault {@code id} (1-based): one part, or two at once. */
  record Fault(int id, List<Part> parts) {
    String kind() {
      return parts.stream().map(Part::kind).collect(Collectors.joining("+"));
    }

    @Override
    public String toString() {
      return "#" + id + " " + parts.stream().map(Part::toString).collect(Collectors.joining(" + "));
    }
  }

  private Schedule() {}

  /**
   * The seed of one store's schedule: the same for a store whether run alone or with the others.
   */
  static long seedFor(long seed, String backend) {
    long index =
        switch (backend) {
          case "zookeeper" -> 0;
          case "etcd" -> 1;
          default -> 2;
        };
    return seed + 1_000_003L * index;
  }

  /**
   * {@code count} faults for a cluster of {@code nodes} nodes on a store of {@code members}
   * members, with session timeout {@code timeoutMs}; {@code named} makes every fault that named
   * one.
   */
  static List<Fault> draw(
      long seed,
      int count,
      int nodes,
      int members,
      boolean canKillMembers,
      boolean canPauseMembers,
      long timeoutMs,
      Optional<String> named) {
    Random rnd = new Random(seed);
    List<String> single = new ArrayList<>();
    // Weights by repetition: node faults are the heart of it.
    for (String k : List.of(KILL_NODE, PAUSE_NODE, FREEZE_CONNECTION)) {
      single.add(k);
      single.add(k);
    }
    single.add(CUT_CONNECTION);
    single.add(BLOCK_CALLBACKS);
    if (canKillMembers) {
      single.add(KILL_STORE_MEMBER);
      single.add(KILL_STORE_LEADER);
    }
    if (canPauseMembers) {
      single.add(PAUSE_STORE);
    }
    List<String> all = new ArrayList<>(single);
    all.addAll(NAMED);
    all.add(COMBINED);
    all.add(COMBINED);
    List<Fault> faults = new ArrayList<>();
    for (int id = 1; id <= count; id++) {
      String kind = named.orElseGet(() -> all.get(rnd.nextInt(all.size())));
      List<Part> parts = new ArrayList<>();
      if (kind.equals(COMBINED)) {
        Part first = part(rnd, single.get(rnd.nextInt(single.size())), nodes, members, timeoutMs);
        Part second;
        do {
          second = part(rnd, single.get(rnd.nextInt(single.size())), nodes, members, timeoutMs);
        } while (second.kind().equals(first.kind()) || (second.onStore() && first.onStore()));
        parts.add(first);
        parts.add(second);
      } else {
        parts.add(part(rnd, kind, nodes, members, timeoutMs));
      }
      faults.add(new Fault(id, List.copyOf(parts)));
    }
    return faults;
  }

  private static Part part(Random rnd, String kind, int nodes, int members, long t) {
    boolean leader = rnd.nextBoolean();
    int node = rnd.nextInt(nodes);
    int member = rnd.nextInt(members);
    return switch (kind) {
      case KILL_NODE -> new Part(kind, leader, node, between(rnd, 0, 1.0, t), 0);
      case PAUSE_NODE, FREEZE_CONNECTION, CUT_CONNECTION, BLOCK_CALLBACKS ->
          new Part(kind, leader, node, between(rnd, 0.2, 3.0, t), 0);
      case KILL_STORE_MEMBER, KILL_STORE_LEADER ->
          new Part(kind, false, member, Math.max(300, between(rnd, 0.5, 2.0, t)), 0);
      case PAUSE_STORE -> new Part(kind, false, member, between(rnd, 0.2, 3.0, t), 0);
      case PAUSED_LEADER -> new Part(kind, true, node, between(rnd, 1.1, 2.0, t), 0);
      case GHOST_MEMBER -> new Part(kind, false, node, between(rnd, 1.1, 2.0, t), rnd.nextInt(600));
      case WIPE_STORE -> new Part(kind, false, member, 0, 0);
      default -> throw new IllegalArgumentException("unknown fault kind " + kind);
    };
  }

  private static long between(Random rnd, double low, double high, long t) {
    return Math.round((low + rnd.nextDouble() * (high - low)) * t);
  }
}
