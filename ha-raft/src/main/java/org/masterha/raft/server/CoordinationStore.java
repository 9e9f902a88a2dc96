package org.masterha.raft.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.masterha.raft.server.Wire.Op;

/**
 * The replicated coordination data, and the one deterministic way each command changes it: every
 * peer applies the same log entries in the same order to its own copy and so holds the same data.
 * Nothing here reads a clock; whatever depends on time (a session's expiry) arrives as a command
 * decided by the Raft leader.
 *
 * <p>It holds sessions (an id, a timeout, the log index of their last keep-alive), members by path
 * (ephemeral: owned by a session and deleted with it; sequential: a per-path counter that never
 * goes back, not even after a wipe), and versioned state variables (a variable's version is the log
 * index of the write that made it, so versions never repeat).
 *
 * <p>Not thread-safe: the state machine calls it under its own lock.
 */
final class CoordinationStore {
  static final class Session {
    final long id;
    final long timeoutMs;
    long renewIndex;

    Session(long id, long timeoutMs, long renewIndex) {
      this.id = id;
      this.timeoutMs = timeoutMs;
      this.renewIndex = renewIndex;
    }
  }

  record Member(
      long sequence, String id, Optional<String> label, byte[] data, long owner, long nonce) {}

  static final class PathState {
    long nextSequence;
    long changedAt;
    final TreeMap<Long, Member> members = new TreeMap<>();
  }

  record Var(byte[] value, long version) {}

  /** What applying one command did: the answer, and the paths whose member set changed. */
  record Applied(byte[] reply, Set<String> changedPaths) {}

  private final TreeMap<Long, Session> sessions = new TreeMap<>();
  private final TreeMap<String, PathState> paths = new TreeMap<>();
  private final TreeMap<String, Var> variables = new TreeMap<>();

  Map<Long, Session> sessions() {
    return sessions;
  }

  /** Applies the command at log {@code index}, appended by the leader of {@code term}. */
  Applied apply(long index, long term, byte[] command) {
    Wire.In in = new Wire.In(command);
    Op op = in.op();
    Set<String> changed = new TreeSet<>();
    Wire.Out reply = new Wire.Out();
    switch (op) {
      case OPEN_SESSION -> {
        long timeoutMs = in.i64();
        sessions.put(index, new Session(index, timeoutMs, index));
        reply.i64(index);
      }
      case KEEP_ALIVE -> {
        Session s = sessions.get(in.i64());
        if (s != null) {
          s.renewIndex = index;
        }
        reply.bool(s != null);
      }
      case CLOSE_SESSION -> reply.bool(endSession(in.i64(), index, changed));
      case EXPIRE_SESSION -> {
        long id = in.i64();
        long renewIndex = in.i64();
        long decidedInTerm = in.i64();
        Session s = sessions.get(id);
        // Only the decision of the leader that appended the entry counts, and only if no keep-alive
        // was applied since it decided: a deposed leader's stale decision, re-sent to its
        // successor,
        // changes nothing.
        boolean expire = s != null && s.renewIndex == renewIndex && decidedInTerm == term;
        reply.bool(expire && endSession(id, index, changed));
      }
      case FORCE_EXPIRE -> reply.bool(endSession(in.i64(), index, changed));
      case JOIN -> join(index, in, reply, changed);
      case CANCEL -> {
        long owner = in.i64();
        String path = in.str();
        long sequence = in.i64();
        PathState p = paths.get(path);
        Member m = p == null ? null : p.members.get(sequence);
        boolean removed = m != null && m.owner() == owner;
        if (removed) {
          p.members.remove(sequence);
          p.changedAt = index;
          changed.add(path);
        }
        reply.bool(removed);
      }
      case STORE, EXPUNGE -> write(op, index, in, reply);
      case WIPE -> {
        String base = in.str();
        for (Map.Entry<String, PathState> e : paths.entrySet()) {
          if (isUnder(e.getKey(), base) && !e.getValue().members.isEmpty()) {
            e.getValue().members.clear();
            e.getValue().changedAt = index;
            changed.add(e.getKey());
          }
        }
        variables.keySet().removeIf(k -> k.startsWith(base + "/"));
        reply.bool(true);
      }
      case SYNC -> reply.bool(true);
      default ->
          throw new IllegalArgumentException("operation " + op + " is a query, not a command");
    }
    return new Applied(reply.toBytes(), changed);
  }

  private static boolean isUnder(String path, String base) {
    return path.equals(base) || path.startsWith(base + "/");
  }

  private void join(long index, Wire.In in, Wire.Out reply, Set<String> changed) {
    long owner = in.i64();
    long nonce = in.i64();
    String path = in.str();
    Optional<String> label = in.optStr();
    byte[] data = in.blob();
    if (!sessions.containsKey(owner)) {
      reply.u8(Wire.NO_SESSION);
      return;
    }
    PathState p = paths.computeIfAbsent(path, x -> new PathState());
    // A join sent again after its answer was lost finds its own member: never a second one.
    for (Member m : p.members.values()) {
      if (m.owner() == owner && m.nonce() == nonce) {
        reply.u8(Wire.OK).i64(m.sequence()).str(m.id());
        return;
      }
    }
    long sequence = p.nextSequence++;
    String id = label.map(l -> l + "_").orElse("") + String.format("%010d", sequence);
    p.members.put(sequence, new Member(sequence, id, label, data, owner, nonce));
    p.changedAt = index;
    changed.add(path);
    reply.u8(Wire.OK).i64(sequence).str(id);
  }

  private void write(Op op, long index, Wire.In in, Wire.Out reply) {
    String base = in.str();
    String name = in.str();
    long expected = in.i64();
    byte[] value = op == Op.STORE ? in.blob() : null;
    boolean fenced = in.bool();
    if (fenced) {
      String fencePath = in.str();
      long fenceSequence = in.i64();
      String fenceId = in.str();
      PathState p = paths.get(fencePath);
      Member m = p == null ? null : p.members.get(fenceSequence);
      if (m == null || !m.id().equals(fenceId)) {
        reply.u8(Wire.FENCED);
        return;
      }
    }
    String key = stateKey(base, name);
    Var current = variables.get(key);
    long actual = current == null ? 0 : current.version();
    if (actual != expected || (op == Op.EXPUNGE && current == null)) {
      reply.u8(Wire.CONFLICT);
      return;
    }
    if (op == Op.STORE) {
      variables.put(key, new Var(value, index));
      reply.u8(Wire.OK).i64(index);
    } else {
      variables.remove(key);
      reply.u8(Wire.OK);
    }
  }

  private boolean endSession(long id, long index, Set<String> changed) {
    if (sessions.remove(id) == null) {
      return false;
    }
    paths.forEach(
        (path, p) -> {
          if (p.members.values().removeIf(m -> m.owner() == id)) {
            p.changedAt = index;
            changed.add(path);
          }
        });
    return true;
  }

  static String stateKey(String base, String name) {
    return base + "/state/" + name;
  }

  // ------------------------------------------------------------------ queries

  /** The index of the last change of {@code path}'s members; 0 when it never changed. */
  long changedAt(String path) {
    PathState p = paths.get(path);
    return p == null ? 0 : p.changedAt;
  }

  /**
   * {@code path}'s members: the index of the last change, the highest sequence ever handed out (-1:
   * none), then each member's sequence, id, label, owner, nonce and data.
   */
  byte[] listing(String path) {
    PathState p = paths.get(path);
    Wire.Out out = new Wire.Out();
    if (p == null) {
      return out.i64(0).i64(-1).i32(0).toBytes();
    }
    out.i64(p.changedAt).i64(p.nextSequence - 1).i32(p.members.size());
    for (Member m : p.members.values()) {
      out.i64(m.sequence()).str(m.id()).optStr(m.label()).i64(m.owner()).i64(m.nonce());
      out.blob(m.data());
    }
    return out.toBytes();
  }

  byte[] data(String path, long sequence, String id) {
    PathState p = paths.get(path);
    Member m = p == null ? null : p.members.get(sequence);
    Wire.Out out = new Wire.Out();
    if (m == null || !m.id().equals(id)) {
      return out.bool(false).toBytes();
    }
    return out.bool(true).blob(m.data()).toBytes();
  }

  byte[] fetch(String base, String name) {
    Var v = variables.get(stateKey(base, name));
    Wire.Out out = new Wire.Out();
    return v == null
        ? out.i64(0).blob(new byte[0]).toBytes()
        : out.i64(v.version()).blob(v.value()).toBytes();
  }

  byte[] names(String base) {
    String prefix = base + "/state/";
    List<String> names = new ArrayList<>();
    for (String k : variables.tailMap(prefix, true).keySet()) {
      if (!k.startsWith(prefix)) {
        break;
      }
      names.add(k.substring(prefix.length()));
    }
    Wire.Out out = new Wire.Out().i32(names.size());
    names.forEach(out::str);
    return out.toBytes();
  }

  // ------------------------------------------------------------------ snapshots

  private static final int SNAPSHOT_FORMAT = 1;

  void save(DataOutputStream out) throws IOException {
    out.writeInt(SNAPSHOT_FORMAT);
    out.writeInt(sessions.size());
    for (Session s : sessions.values()) {
      out.writeLong(s.id);
      out.writeLong(s.timeoutMs);
      out.writeLong(s.renewIndex);
    }
    out.writeInt(paths.size());
    for (Map.Entry<String, PathState> e : paths.entrySet()) {
      PathState p = e.getValue();
      out.writeUTF(e.getKey());
      out.writeLong(p.nextSequence);
      out.writeLong(p.changedAt);
      out.writeInt(p.members.size());
      for (Member m : p.members.values()) {
        out.writeLong(m.sequence());
        out.writeUTF(m.id());
        out.writeBoolean(m.label().isPresent());
        if (m.label().isPresent()) {
          out.writeUTF(m.label().get());
        }
        out.writeLong(m.owner());
        out.writeLong(m.nonce());
        out.writeInt(m.data().length);
        out.write(m.data());
      }
    }
    out.writeInt(variables.size());
    for (Map.Entry<String, Var> e : variables.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue().version());
      out.writeInt(e.getValue().value().length);
      out.write(e.getValue().value());
    }
  }

  void load(DataInputStream in) throws IOException {
    int format = in.readInt();
    if (format != SNAPSHOT_FORMAT) {
      throw new IOException(
          "raft coordination snapshot format " + format + " is unknown; this peer reads 1");
    }
    sessions.clear();
    paths.clear();
    variables.clear();
    for (int n = in.readInt(); n > 0; n--) {
      Session s = new Session(in.readLong(), in.readLong(), in.readLong());
      sessions.put(s.id, s);
    }
    for (int n = in.readInt(); n > 0; n--) {
      PathState p = new PathState();
      String path = in.readUTF();
      p.nextSequence = in.readLong();
      p.changedAt = in.readLong();
      for (int k = in.readInt(); k > 0; k--) {
        long sequence = in.readLong();
        String id = in.readUTF();
        Optional<String> label = in.readBoolean() ? Optional.of(in.readUTF()) : Optional.empty();
        long owner = in.readLong();
        long nonce = in.readLong();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        p.members.put(sequence, new Member(sequence, id, label, data, owner, nonce));
      }
      paths.put(path, p);
    }
    for (int n = in.readInt(); n > 0; n--) {
      String key = in.readUTF();
      long version = in.readLong();
      byte[] value = new byte[in.readInt()];
      in.readFully(value);
      variables.put(key, new Var(value, version));
    }
  }

  /** For iteration by the state machine: the paths, to fail long polls on reload. */
  Iterator<String> pathNames() {
    return paths.keySet().iterator();
  }
}
