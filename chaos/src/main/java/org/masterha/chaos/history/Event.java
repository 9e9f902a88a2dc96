package org.masterha.chaos.history;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.Objects;

/**
 * One line of a campaign history: something a process did or saw, stamped with {@code
 * System.nanoTime()} ({@link #t()}), which on Linux is one monotonic clock for every process of the
 * host, so the files of all processes merge into one order.
 *
 * <p>The JSON form of an event is its record components plus {@code "type"} (the name in {@link
 * JsonTypeName}); this is the fixed history format that the producing processes write.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(Event.Start.class),
  @JsonSubTypes.Type(Event.Contending.class),
  @JsonSubTypes.Type(Event.Elected.class),
  @JsonSubTypes.Type(Event.Act.class),
  @JsonSubTypes.Type(Event.Write.class),
  @JsonSubTypes.Type(Event.Read.class),
  @JsonSubTypes.Type(Event.Lost.class),
  @JsonSubTypes.Type(Event.Detected.class),
  @JsonSubTypes.Type(Event.Fault.class),
  @JsonSubTypes.Type(Event.Killed.class),
  @JsonSubTypes.Type(Event.End.class)
})
public sealed interface Event
    permits Event.Start, Event.OnLine, Event.Read, Event.Fault, Event.Killed, Event.End {

  /** {@code System.nanoTime()} when it happened. */
  long t();

  /** The process that wrote it: {@code n1}..{@code n5}, {@code nemesis}, {@code runner}. */
  String proc();

  /** The incarnation of {@link #proc()}: 1 at first start, +1 at each restart. */
  int life();

  /** The {@code "type"} of this event in the history format, e.g. {@code "elected"}. */
  static String typeOf(Event event) {
    return event.getClass().getAnnotation(JsonTypeName.class).value();
  }

  /** Events of a leader candidacy or detector carry the epoch line (the store's incarnation). */
  sealed interface OnLine extends Event permits Contending, Elected, Act, Write, Lost, Detected {
    String line();

    long epoch();
  }

  /** A node process life begins. */
  @JsonTypeName("start")
  record Start(long t, String proc, int life) implements Event {
    public Start {
      Objects.requireNonNull(proc, "proc");
    }
  }

  /** The candidacy is registered with this epoch; not leading yet. */
  @JsonTypeName("contending")
  record Contending(long t, String proc, int life, String line, long epoch) implements OnLine {
    public Contending {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(line, "line");
    }
  }

  /** The candidacy's {@code elected()} completed: the tenure of (line, epoch) begins. */
  @JsonTypeName("elected")
  record Elected(long t, String proc, int life, String line, long epoch) implements OnLine {
    public Elected {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(line, "line");
    }
  }

  /**
   * The node acted as leader: {@code t} was read just before it asked {@code Candidacy.isLeader()}
   * and got true, so the node was leader at some instant not before {@code t}.
   */
  @JsonTypeName("act")
  record Act(long t, String proc, int life, String line, long epoch) implements OnLine {
    public Act {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(line, "line");
    }
  }

  /** How a fenced compare-and-swap of the register ended. */
  enum Outcome {
    @JsonProperty("ok")
    OK,
    @JsonProperty("refused")
    REFUSED,
    /** No answer (timeout, connection lost): the write may or may not have been applied. */
    @JsonProperty("unknown")
    UNKNOWN
  }

  /**
   * A fenced compare-and-swap of the register completed at {@code t}. The value written is {@code
   * op} plus {@code prevOp} (the op of the value it replaced, {@code ""} for an empty register), so
   * the chain of register values can be rebuilt from the writes.
   *
   * @param tInvoke when the write was sent (after an {@link Act})
   * @param version the register's new version when {@link Outcome#OK}, else 0
   */
  @JsonTypeName("write")
  record Write(
      long t,
      String proc,
      int life,
      String line,
      long epoch,
      String op,
      String prevOp,
      long prevVersion,
      long tInvoke,
      Outcome outcome,
      long version)
      implements OnLine {
    public Write {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(line, "line");
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(prevOp, "prevOp");
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** The register was fetched: it held the value written by {@code op} ({@code ""}: empty). */
  @JsonTypeName("read")
  record Read(long t, String proc, int life, String op, long version) implements Event {
    public Read {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(op, "op");
    }
  }

  /** The node learned that its candidacy is lost ({@code t}: when it learned). */
  @JsonTypeName("lost")
  record Lost(long t, String proc, int life, String line, long epoch, String reason)
      implements OnLine {
    public Lost {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(line, "line");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A detector in this process life reported a leader; {@code epoch} -1 and {@code leader} {@code
   * ""} mean no leader.
   */
  @JsonTypeName("detected")
  record Detected(long t, String proc, int life, String line, long epoch, String leader)
      implements OnLine {
    public Detected {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(line, "line");
      Objects.requireNonNull(leader, "leader");
    }

    /** Whether this report names a leader (rather than "no leader"). */
    public boolean hasLeader() {
      return epoch >= 0;
    }
  }

  /** Whether a fault begins or is undone. */
  enum Phase {
    @JsonProperty("start")
    START,
    /** The fault was undone: process resumed or restarted, connection restored, member back. */
    @JsonProperty("heal")
    HEAL
  }

  /** The nemesis began or undid fault {@code id}. */
  @JsonTypeName("fault")
  record Fault(long t, String proc, int life, int id, String kind, String target, Phase phase)
      implements Event {
    public Fault {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(phase, "phase");
    }
  }

  /** The nemesis killed {@code target}'s life {@code targetLife} with kill -9 at {@code t}. */
  @JsonTypeName("killed")
  record Killed(long t, String proc, int life, String target, int targetLife) implements Event {
    public Killed {
      Objects.requireNonNull(proc, "proc");
      Objects.requireNonNull(target, "target");
    }
  }

  /** The runner's last event. */
  @JsonTypeName("end")
  record End(long t, String proc, int life) implements Event {
    public End {
      Objects.requireNonNull(proc, "proc");
    }
  }
}
