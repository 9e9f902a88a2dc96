package org.masterha.consul;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.option.ConsistencyMode;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.masterha.consul.ConsulTxn.Answer;
import org.masterha.consul.ConsulTxn.Failure;
import org.masterha.consul.ConsulTxn.Op;
import org.masterha.ha.Durations;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.ErrorClass;
import org.masterha.ha.spi.ErrorClassifier;
import org.masterha.ha.spi.StoreState;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.StateNames;
import org.masterha.ha.state.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State variables as Consul keys {@code <base>/state/<name>}; a variable's version is its key's
 * ModifyIndex. (The base group takes only keys directly under {@code <base>/} that a session holds,
 * so these are never members.)
 *
 * <p>Reads are consistent reads through consul-client. Every write is one {@code /v1/txn} ({@link
 * ConsulTxn}): for a fenced state, first {@code check-session} on the candidacy's member key with
 * this client's Consul session, then the change: {@code cas} at the expected ModifyIndex (0: create
 * only if absent), or {@code check-index} + {@code delete-cas} (Consul's {@code delete-cas} alone
 * succeeds on a key that is already gone). Consul applies it all or nothing, so a deposed leader's
 * write changes nothing; Consul reports every failed operation of a rolled-back transaction, and a
 * failed fence wins over a version conflict.
 *
 * <p>A write's {@code Flags} hold the version it replaces. Consul keeps a key's ModifyIndex when a
 * write changes nothing (same value, flags and session), which would give two stores of the same
 * bytes one version; the replaced version always differs from the stored flags (it is the stored
 * entry's own ModifyIndex, and the stored flags are an older one), so every store gets a new,
 * higher version as the State API promises.
 *
 * <p><b>Failures.</b> Reads, and writes that provably never left this machine (no connection could
 * be made; Consul said "no cluster leader" or "too many requests" before applying anything), are
 * retried with backoff for up to one session timeout, then fail. A write that failed after it may
 * have been sent (a timeout, a dropped connection, a 5xx) is NOT retried: Consul may have applied
 * it, and a retried compare-and-swap would then report a false conflict (or, for a create, a false
 * "exists"). It fails with an {@link HaException} saying the outcome is unknown; the caller fetches
 * the variable to find out.
 */
final class ConsulState extends StoreState {
  private static final Logger log = LoggerFactory.getLogger(ConsulState.class);
  private static final QueryOptions CONSISTENT =
      ImmutableQueryOptions.builder().consistencyMode(ConsistencyMode.CONSISTENT).build();

  /** StateNames' longest name. */
  static final int MAX_NAME_CHARS = 128;

  /**
   * Room kept in every transaction for the fence's member key name, whatever this state's own
   * fence: our member names are {@code json.info_} + 32 hex digits (42 characters), so any state of
   * a session gets the same limit.
   */
  static final int RESERVED_MEMBER_NAME_CHARS = 128;

  /** A Consul session ID is a UUID: 36 characters. */
  private static final String ANY_SESSION_ID = "00000000-0000-0000-0000-000000000000";

  private final ConsulSession session;
  private final ConsulSettings settings;
  private final KeyValueClient kv;

  /** e.g. {@code mesos/state/}. */
  private final String prefix;

  private final int maxValueBytes;

  ConsulState(ConsulSession session, Optional<Candidacy> fence) {
    super("consul", fence);
    this.session = session;
    this.settings = session.settings();
    this.kv = session.consul().keyValueClient();
    this.prefix = settings.keyPrefix() + "/state/";
    int memberNameChars =
        Math.max(
            RESERVED_MEMBER_NAME_CHARS, fence.map(c -> c.membership().id().length()).orElse(0));
    this.maxValueBytes = maxValueBytes(settings.keyPrefix(), memberNameChars);
  }

  /**
   * The largest value whose fenced write fits Consul's default limits: the {@code /v1/txn} body
   * (JSON, the value base64-encoded: 4 characters per 3 bytes) may be at most {@link
   * ConsulTxn#MAX_REQUEST_BYTES}. The framing is measured on the largest transaction this state can
   * send: a {@code check-session} on a member key of {@code memberNameChars}, and a {@code cas} on
   * a {@value #MAX_NAME_CHARS}-character name with the largest index and flags. For the base path
   * {@code /mesos}: 524,288 - 463 bytes of framing leaves 523,825 characters, of which 523,824 (a
   * multiple of 4) carry 392,868 bytes (383.6 KiB).
   */
  static int maxValueBytes(String keyPrefix, int memberNameChars) {
    List<Op> largest =
        List.of(
            Op.checkSession(keyPrefix + "/" + "m".repeat(memberNameChars), ANY_SESSION_ID),
            Op.cas(
                keyPrefix + "/state/" + "n".repeat(MAX_NAME_CHARS),
                new byte[0],
                Long.MAX_VALUE,
                Long.MAX_VALUE));
    int framing = ConsulTxn.body(largest).length;
    int base64Chars = ConsulTxn.MAX_REQUEST_BYTES - framing;
    if (base64Chars < 4) {
      throw new IllegalArgumentException(
          "base path '"
              + keyPrefix
              + "' is too long to leave room for a state value in a "
              + ConsulTxn.MAX_REQUEST_BYTES
              + "-byte Consul transaction");
    }
    return base64Chars / 4 * 3;
  }

  private String key(String name) {
    return prefix + name;
  }

  private String memberKey(Membership m) {
    return settings.keyPrefix() + "/" + m.id();
  }

  @Override
  public int maxValueBytes() {
    return maxValueBytes;
  }

  // ---- reads

  @Override
  protected CompletableFuture<Variable> load(String name) {
    String key = key(name);
    return read(
        "read state variable " + key,
        () ->
            kv.getValue(key, CONSISTENT)
                .map(
                    v ->
                        new Variable(
                            name, v.getValueAsBytes().orElse(new byte[0]), v.getModifyIndex()))
                .orElseGet(() -> Variable.absent(name)));
  }

  @Override
  public CompletableFuture<Set<String>> names() {
    return read(
        "list state variables under " + prefix,
        () -> {
          Set<String> names = new TreeSet<>();
          for (String key : kv.getKeys(prefix, CONSISTENT)) {
            if (!key.startsWith(prefix)) {
              continue;
            }
            String name = key.substring(prefix.length());
            if (StateNames.isValid(name)) {
              names.add(name);
            } else {
              // Someone else's key under our prefix (nested, or a name we would refuse): not a
              // variable of ours.
              log.debug("Ignoring {}: not a state variable name", key);
            }
          }
          return Collections.unmodifiableSet(names);
        });
  }

  /** Runs a read on the I/O pool, retrying what may succeed later for up to one session timeout. */
  private <T> CompletableFuture<T> read(String doing, Supplier<T> read) {
    return session
        .pending()
        .track(
            session
                .retrier()
                .within(settings.sessionTimeout(), (what, e) -> unreachable(what, e, ""))
                .failingWith((what, e) -> ConsulFailures.fatal(e, what, settings))
                .retry(doing, a -> CompletableFuture.supplyAsync(read, session.io())));
  }

  // ---- writes

  @Override
  protected CompletableFuture<Optional<Variable>> write(
      String name, long expectedVersion, byte[] value, Optional<Membership> fence) {
    String key = key(name);
    return transact(
        name,
        fence,
        List.of(Op.cas(key, value, expectedVersion, expectedVersion)),
        "store state variable " + key + " at version " + expectedVersion,
        answer -> {
          long version = answer.result(key).map(ConsulTxn.Entry::modifyIndex).orElse(0L);
          if (version <= expectedVersion) {
            throw new HaException(
                "Consul applied the store of state variable '"
                    + name
                    + "' but did not report its new"
                    + " ModifyIndex (got "
                    + version
                    + "); fetch it for its version");
          }
          return Optional.of(new Variable(name, value, version));
        },
        Optional.empty());
  }

  @Override
  protected CompletableFuture<Boolean> delete(
      String name, long expectedVersion, Optional<Membership> fence) {
    String key = key(name);
    return transact(
        name,
        fence,
        List.of(Op.checkIndex(key, expectedVersion), Op.deleteCas(key, expectedVersion)),
        "expunge state variable " + key + " at version " + expectedVersion,
        answer -> true,
        false);
  }

  /**
   * Sends {@code changes}, behind the fence's {@code check-session} when there is one, as one
   * transaction. Completes with {@code committed}'s result, with {@code conflict} when one of
   * {@code changes} failed, or fails with {@link org.masterha.ha.state.LeadershipLostException}
   * when the fence failed.
   */
  private <T> CompletableFuture<T> transact(
      String name,
      Optional<Membership> fence,
      List<Op> changes,
      String doing,
      Function<Answer, T> committed,
      T conflict) {
    List<Op> ops = new ArrayList<>();
    if (fence.isPresent()) {
      // The session our member was acquired with is this client's current one: when a Consul
      // session is lost,
      // its members are lost with it, and a member key is never acquired by another session. If
      // this client has
      // moved on to a new session, the check fails, as it must: the old member is gone or going.
      String holder = session.sessionId();
      if (holder.isEmpty()) {
        return CompletableFuture.failedFuture(
            lost(name, fence.get(), "this client has no Consul session"));
      }
      ops.add(Op.checkSession(memberKey(fence.get()), holder));
    }
    ops.addAll(changes);
    CompletableFuture<Answer> answer =
        session
            .retrier()
            .classifying(ConsulState::sendClass)
            .within(settings.sessionTimeout(), this::notAccepted)
            .failingWith(this::sendFailure)
            .retry(doing, a -> CompletableFuture.supplyAsync(() -> send(ops), session.io()));
    CompletableFuture<T> result = session.pending().track();
    answer.whenComplete(
        (reply, error) -> {
          if (error != null) {
            result.completeExceptionally(ErrorClassifier.unwrap(error));
            return;
          }
          try {
            result.complete(
                reply.committed()
                    ? committed.apply(reply)
                    : rolledBack(name, fence, ops, doing, reply.errors(), conflict));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  /** Sends the transaction once; its failures reach {@link #sendClass} and {@link #sendFailure}. */
  private Answer send(List<Op> ops) {
    try {
      return session.txn().send(ops, writeTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    } catch (IOException | ConsulTxn.RefusedException e) {
      throw new CompletionException(e);
    }
  }

  /**
   * A write is sent again only when nothing can have been applied: no connection was made, or
   * Consul refused it before anything reached the Raft log (429, no cluster leader). Any other
   * failure leaves it applied or not.
   */
  private static ErrorClass sendClass(Throwable e) {
    if (e instanceof ConsulTxn.NotSentException) {
      return ErrorClass.RETRYABLE;
    }
    if (e instanceof ConsulTxn.RefusedException r
        && (r.status == 429 || (r.status == 500 && r.body.contains("No cluster leader")))) {
      return ErrorClass.RETRYABLE;
    }
    return ErrorClass.FATAL;
  }

  /** A write's failure that is not retried: final, or of unknown outcome (never sent again). */
  private Throwable sendFailure(String doing, Throwable e) {
    if (e instanceof ConsulTxn.RefusedException r) {
      if (r.status >= 500) {
        return unknownOutcome(doing, "it answered " + r.getMessage());
      }
      if (r.status == 413) {
        return new HaException(
            "Consul agent "
                + settings.agent()
                + " refused the request to "
                + doing
                + " as too large ("
                + r.getMessage()
                + "); its txn_max_req_len or kv_max_value_size is below Consul's default"
                + " of "
                + ConsulTxn.MAX_REQUEST_BYTES
                + " bytes, which maxValueBytes() assumes; nothing was written");
      }
      return ConsulFailures.fatal(r.status, r.body, doing, settings);
    }
    if (e instanceof InterruptedException) {
      return unknownOutcome(doing, "interrupted while waiting for its answer");
    }
    if (e instanceof IOException) {
      return unknownOutcome(doing, "no answer: " + e);
    }
    return e;
  }

  /**
   * The write could not be sent, or was refused as "not now", for a whole session timeout: nothing
   * was written.
   */
  private Throwable notAccepted(String doing, Throwable last) {
    if (last instanceof ConsulTxn.RefusedException r) {
      return new HaException(
          "Consul agent "
              + settings.agent()
              + " did not accept the request to "
              + doing
              + " within "
              + Durations.format(settings.sessionTimeout())
              + " (last answer: "
              + r.getMessage()
              + "); nothing was written");
    }
    return unreachable(
        doing, last.getCause() != null ? last.getCause() : last, "; nothing was written");
  }

  /** Nothing was changed: say why, the fence first. */
  private <T> T rolledBack(
      String name,
      Optional<Membership> fence,
      List<Op> ops,
      String doing,
      List<Failure> errors,
      T conflict) {
    for (Failure f : errors) {
      if (f.what().contains("Permission denied") || f.what().contains("ACL not found")) {
        throw ConsulFailures.fatal(409, f.what(), doing, settings);
      }
    }
    int changesFrom = fence.isPresent() ? 1 : 0;
    for (Failure f : errors) {
      if (fence.isPresent() && f.opIndex() == 0) {
        throw lost(
            name,
            fence.get(),
            "its member key "
                + ops.get(0).key()
                + " is gone or no longer held by this client's Consul session "
                + ops.get(0).session()
                + " (Consul: "
                + ConsulFailures.abbreviate(f.what())
                + ")");
      }
    }
    for (Failure f : errors) {
      if (f.opIndex() >= changesFrom && f.opIndex() < ops.size()) {
        log.debug("{}: version conflict ({})", doing, f.what());
        return conflict;
      }
    }
    throw new HaException(
        "Consul agent "
            + settings.agent()
            + " rolled back the request to "
            + doing
            + ": "
            + ConsulFailures.abbreviate(errors.toString())
            + "; nothing was written");
  }

  // ---- timing and errors

  /**
   * How long a write waits for its answer. Longer than other requests: giving up on a write that
   * was sent leaves its outcome unknown, and a fenced write's answer is right however late it comes
   * (Consul checked the fence when it applied it).
   */
  private Duration writeTimeout() {
    Duration t = settings.sessionTimeout();
    return t.compareTo(settings.requestTimeout()) > 0 ? t : settings.requestTimeout();
  }

  private HaException unreachable(String doing, Throwable last, String consequence) {
    return new HaException(
        "Consul agent "
            + settings.agent()
            + " could not be reached to "
            + doing
            + " within "
            + Durations.format(settings.sessionTimeout())
            + " (last error: "
            + describe(last)
            + ")"
            + consequence);
  }

  private HaException unknownOutcome(String doing, String what) {
    return new OutcomeUnknownException(
        "the request to "
            + doing
            + " may or may not have been applied by Consul agent "
            + settings.agent()
            + " ("
            + what
            + "): the outcome is unknown. It was not sent again, since a repeated"
            + " compare-and-swap cannot tell its own earlier success from a conflict; fetch the variable to see whether"
            + " it was applied");
  }

  /**
   * An exception for a message: consul-client's quote the request URL, which never holds the token.
   */
  private static String describe(Throwable t) {
    Throwable u = ErrorClassifier.unwrap(t);
    return u.getClass().getSimpleName()
        + (u.getMessage() == null ? "" : ": " + ConsulFailures.abbreviate(u.getMessage()));
  }

  @Override
  public String toString() {
    return "ConsulState[" + prefix + "]";
  }
}
