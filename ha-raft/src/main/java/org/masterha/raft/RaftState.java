package org.masterha.raft;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.ErrorClassifier;
import org.masterha.ha.spi.StoreState;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.Variable;
import org.masterha.raft.server.Wire;
import org.masterha.raft.server.Wire.Op;

/**
 * State variables in the replicated state under {@code <base>/state/}. A variable's version is the
 * log index of the write that made it. With a fence, the state machine checks that the candidacy's
 * member still exists (same sequence and id) in the same log entry as the write.
 *
 * <p>A write Ratis could not get answered (it retries with the same call id, which the peers' retry
 * cache answers without applying twice) may or may not have been applied: it fails with {@link
 * OutcomeUnknownException} and is not sent again.
 */
final class RaftState extends StoreState {
  /** Well inside Ratis' default log appender buffer (4 MiB) and gRPC message limits. */
  static final int MAX_VALUE_BYTES = 1000 * 1024;

  private final RaftSession session;
  private final String base;

  RaftState(RaftSession session, Optional<Candidacy> fence) {
    super(RaftBackend.NAME, fence);
    this.session = session;
    this.base = session.settings().basePath();
  }

  @Override
  protected CompletableFuture<Variable> load(String name) {
    return session
        .connection()
        .read(new Wire.Out().op(Op.FETCH).str(base).str(name).toBytes())
        .handle(
            (answer, error) -> {
              if (error != null) {
                throw failed("reading state variable '" + name + "'", error);
              }
              Wire.In in = new Wire.In(answer);
              long version = in.i64();
              return new Variable(name, in.blob(), version);
            });
  }

  @Override
  protected CompletableFuture<Optional<Variable>> write(
      String name, long expectedVersion, byte[] value, Optional<Membership> fence) {
    Wire.Out command =
        new Wire.Out().op(Op.STORE).str(base).str(name).i64(expectedVersion).blob(value);
    return send(name, fenced(command, fence), fence)
        .thenApply(
            in -> {
              int status = in.u8();
              if (status == Wire.CONFLICT) {
                return Optional.<Variable>empty();
              }
              return Optional.of(new Variable(name, value, in.i64()));
            });
  }

  @Override
  protected CompletableFuture<Boolean> delete(
      String name, long expectedVersion, Optional<Membership> fence) {
    Wire.Out command = new Wire.Out().op(Op.EXPUNGE).str(base).str(name).i64(expectedVersion);
    return send(name, fenced(command, fence), fence).thenApply(in -> in.u8() == Wire.OK);
  }

  private Wire.Out fenced(Wire.Out command, Optional<Membership> fence) {
    command.bool(fence.isPresent());
    fence.ifPresent(m -> command.str(base).i64(m.sequence()).str(m.id()));
    return command;
  }

  /** Sends a write; the answer positioned at its status, a fence refusal already thrown. */
  private CompletableFuture<Wire.In> send(
      String name, Wire.Out command, Optional<Membership> fence) {
    return session
        .connection()
        .writeOnce(command.toBytes())
        .handle(
            (answer, error) -> {
              if (error != null) {
                if (session.isClosed()) {
                  throw session.closedException();
                }
                throw new OutcomeUnknownException(
                    "the write to state variable '"
                        + name
                        + "' got no answer from the raft group ("
                        + ErrorClassifier.unwrap(error)
                        + "); it may or may not have been applied: fetch the variable to learn which",
                    ErrorClassifier.unwrap(error));
              }
              Wire.In in = new Wire.In(answer);
              Wire.In peek = new Wire.In(answer);
              if (peek.u8() == Wire.FENCED) {
                throw lost(name, fence.get(), "its member is gone from " + base);
              }
              return in;
            });
  }

  @Override
  public CompletableFuture<Set<String>> names() {
    return session
        .connection()
        .read(new Wire.Out().op(Op.NAMES).str(base).toBytes())
        .handle(
            (answer, error) -> {
              if (error != null) {
                throw failed("listing the state variables", error);
              }
              Wire.In in = new Wire.In(answer);
              Set<String> names = new TreeSet<>();
              for (int n = in.i32(); n > 0; n--) {
                names.add(in.str());
              }
              return names;
            });
  }

  private RuntimeException failed(String what, Throwable error) {
    if (session.isClosed()) {
      return session.closedException();
    }
    Throwable e = ErrorClassifier.unwrap(error);
    return new HaException(what + " failed: " + e, e);
  }

  @Override
  public int maxValueBytes() {
    return MAX_VALUE_BYTES;
  }
}
