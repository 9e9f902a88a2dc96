package org.masterha.ha.group;

import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One member of a {@link Group}. Its {@link #sequence()} is unique and increasing within the
 * group's path for the group's whole life (ZooKeeper's sequential-node number, etcd's create
 * revision, Consul's CreateIndex), and for a master it is the leadership epoch.
 *
 * <p>Two memberships are equal when they name the same member (same id and sequence); the {@link
 * #cancelled()} future takes no part in equality, so a membership returned by {@code join} equals
 * the one a watch reports.
 */
public final class Membership implements Comparable<Membership> {
  /** Lowest sequence first: the order in which leadership passes. */
  public static final Comparator<Membership> BY_SEQUENCE =
      Comparator.comparingLong(Membership::sequence).thenComparing(Membership::id);

  private final String id;
  private final long sequence;
  private final Optional<String> label;

  /** Completed by the backend. */
  private final CompletableFuture<Boolean> cancelled;

  /**
   * What {@link #cancelled()} hands out: {@code cancelled} itself, or a read-only view of it for
   * callers.
   */
  private final CompletableFuture<Boolean> handedOut;

  private final BooleanSupplier sessionTrusted;

  /** A membership seen in a listing; it is not ours, so {@link #cancelled()} never completes. */
  public Membership(String id, long sequence, Optional<String> label) {
    this(id, sequence, label, new CompletableFuture<>(), () -> false);
  }

  /**
   * A membership this session joined; the backend completes {@code cancelled}. Without a way to ask
   * the session, {@link #isHeld()} answers from {@code cancelled} alone.
   */
  public Membership(
      String id, long sequence, Optional<String> label, CompletableFuture<Boolean> cancelled) {
    this(id, sequence, label, cancelled, () -> true);
  }

  /**
   * A membership this session joined. {@code sessionTrusted} answers, at the moment it is called
   * and from any thread, whether the session that holds the member can still be trusted: false once
   * its liveness deadline has passed on the local monotonic clock, even if the timer that completes
   * {@code cancelled} has not run yet.
   */
  public Membership(
      String id,
      long sequence,
      Optional<String> label,
      CompletableFuture<Boolean> cancelled,
      BooleanSupplier sessionTrusted) {
    this.id = Objects.requireNonNull(id, "id");
    this.sequence = sequence;
    this.label = Objects.requireNonNull(label, "label");
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    this.handedOut = cancelled;
    this.sessionTrusted = Objects.requireNonNull(sessionTrusted, "sessionTrusted");
    if (sequence < 0) {
      throw new IllegalArgumentException(
          "a membership sequence is never negative, got " + sequence);
    }
  }

  private Membership(Membership of, CompletableFuture<Boolean> view) {
    this.id = of.id;
    this.sequence = of.sequence;
    this.label = of.label;
    this.cancelled = of.cancelled;
    this.handedOut = Objects.requireNonNull(view, "view");
    this.sessionTrusted = of.sessionTrusted;
  }

  /**
   * For the backend kit: the same member, whose {@link #cancelled()} hands out {@code view} (a
   * read-only future that completes as this one's does, with callers' actions on their executor)
   * while the backend goes on completing this membership's own future. {@link #isHeld()} still asks
   * that future and the session.
   */
  public Membership withCancelledView(CompletableFuture<Boolean> view) {
    return new Membership(this, view);
  }

  /**
   * The backend's name for the member (a znode name, a key suffix); stable for the member's life.
   */
  public String id() {
    return id;
  }

  public long sequence() {
    return sequence;
  }

  /** What kind of member this is, e.g. {@code json.info} for a master publishing Mesos JSON. */
  public Optional<String> label() {
    return label;
  }

  /**
   * For a membership we joined: completes with {@code true} when we cancelled it, with {@code
   * false} when it was lost (session expiry, the local session deadline passing while the store was
   * unreachable, deletion by someone else). Never completes for memberships seen in listings. For a
   * membership joined through a session {@code HaBackends.open} returned it is read-only, and
   * callers' actions on it run on the callback executor.
   */
  public CompletableFuture<Boolean> cancelled() {
    return handedOut;
  }

  /**
   * Whether this process may still act on this membership, decided at the moment of the call: it is
   * one we joined, {@link #cancelled()} has not completed, and the session's liveness deadline has
   * not passed. After a pause longer than the session timeout (SIGSTOP, a long GC) this is false as
   * soon as the process runs again, before the backend's timer has completed {@code cancelled}.
   * Always false for memberships seen in listings.
   */
  public boolean isHeld() {
    return !cancelled.isDone() && sessionTrusted.getAsBoolean();
  }

  @Override
  public int compareTo(Membership o) {
    return BY_SEQUENCE.compare(this, o);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Membership m && m.sequence == sequence && m.id.equals(id);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(sequence) * 31 + id.hashCode();
  }

  @Override
  public String toString() {
    return "Membership["
        + id
        + ", sequence="
        + sequence
        + label.map(l -> ", label=" + l).orElse("")
        + "]";
  }
}
