package org.masterha.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.ErrorClassifier;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.StoreState;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.StateNames;
import org.masterha.ha.state.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's state in etcd: variable {@code name} is the key {@code <base>/state/<name>}, and its
 * version is that key's mod revision (0: absent). A key deleted and written again gets a new,
 * higher mod revision, so a version is never reused. The keys are not bound to the session's lease:
 * the state outlives every master.
 *
 * <p>Every write is one transaction:
 *
 * <pre>
 * If   (create_revision(&lt;base&gt;/&lt;member&gt;) == member.sequence   -- fenced states only
 *       mod_revision(&lt;base&gt;/state/&lt;name&gt;) == expected)         -- etcd compares an absent key as 0
 * Then (put &lt;base&gt;/state/&lt;name&gt; value  |  delete &lt;base&gt;/state/&lt;name&gt;)
 * Else (get &lt;base&gt;/&lt;member&gt; keys-only, get &lt;base&gt;/state/&lt;name&gt; keys-only)
 * </pre>
 *
 * The member is the candidacy's key in the base group: it exists with the candidacy's create
 * revision exactly as long as the candidacy is a member, and a member that once led keeps leading
 * while it exists (newer members only get higher create revisions). So the store itself refuses the
 * write of a deposed leader, however long it was paused. The Else branch reads, as of the same
 * revision as the failed compares, why they failed: a missing or re-created member is a lost
 * leadership (reported even when the version is stale too), anything else a version conflict. The
 * new version is the transaction's revision, which is the put's mod revision.
 */
final class EtcdState extends StoreState {
  private static final Logger log = LoggerFactory.getLogger(EtcdState.class);

  /**
   * etcd's default {@code --max-request-bytes}: the largest raft request a member accepts (1.5
   * MiB).
   */
  static final int ETCD_DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

  /**
   * Room for the rest of a write's raft request: the variable's key three times (compare, put,
   * read-back) and the member's key twice, the request header (id, user name, auth revision) and
   * protobuf framing. Measured for base path /mesos and a 128-character name: 561 bytes of
   * transaction and about 30 of header plus the user name; each character of base path adds 5. 16
   * KiB leaves room for base paths of about 3,000 characters.
   */
  static final int REQUEST_MARGIN_BYTES = 16 * 1024;

  /** The largest value: 1,572,864 - 16,384 = 1,556,480 bytes. */
  static final int MAX_VALUE_BYTES = ETCD_DEFAULT_MAX_REQUEST_BYTES - REQUEST_MARGIN_BYTES;

  /** Attempts for a write that etcd refused only because it no longer knew our auth token. */
  private static final int TOKEN_ATTEMPTS = 3;

  private final EtcdSession session;
  private final String basePath;
  private final String prefix;

  EtcdState(EtcdSession session, Optional<Candidacy> fence) {
    super(EtcdBackend.NAME, fence);
    this.session = session;
    this.basePath = session.settings().basePath();
    this.prefix = statePrefix(basePath);
  }

  /** Where the variables of {@code basePath} live: {@code <base>/state/}. */
  static String statePrefix(String basePath) {
    return basePath + "/" + GroupPaths.STATE + "/";
  }

  private ByteSequence key(String name) {
    return bytes(prefix + name);
  }

  private String keyText(String name) {
    return prefix + name;
  }

  private ByteSequence memberKey(Membership m) {
    return bytes(basePath + "/" + m.id());
  }

  private KV kv() {
    return session.client().getKVClient();
  }

  @Override
  public int maxValueBytes() {
    return MAX_VALUE_BYTES;
  }

  // ---------------------------------------------------------------- reads: linearizable, retried

  @Override
  protected CompletableFuture<Variable> load(String name) {
    Variable absent = Variable.absent(name);
    String what = "reading state variable '" + name + "' (key " + keyText(name) + ")";
    return read(what, () -> kv().get(key(name)))
        .thenApply(
            response -> {
              if (response.getKvs().isEmpty()) {
                return absent;
              }
              KeyValue kv = response.getKvs().get(0);
              return new Variable(name, kv.getValue().getBytes(), kv.getModRevision());
            });
  }

  @Override
  public CompletableFuture<Set<String>> names() {
    GetOption keysOnly = GetOption.builder().isPrefix(true).withKeysOnly(true).build();
    return read(
            "listing the state variables under " + prefix, () -> kv().get(bytes(prefix), keysOnly))
        .thenApply(
            response -> {
              Set<String> names = new TreeSet<>();
              for (KeyValue kv : response.getKvs()) {
                String name =
                    kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length());
                if (StateNames.isValid(name)) {
                  names.add(name);
                } else {
                  log.debug("ignoring key {}{} in etcd: not a state variable name", prefix, name);
                }
              }
              return names;
            });
  }

  private CompletableFuture<GetResponse> read(
      String what, Supplier<CompletableFuture<GetResponse>> get) {
    if (session.isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    return session
        .ready()
        .thenCompose(x -> session.retrier().retry(what, a -> get.get()))
        .handle(
            (response, error) -> {
              if (error != null) {
                throw failure(what, error);
              }
              return response;
            });
  }

  private RuntimeException failure(String what, Throwable error) {
    if (session.isClosed()) {
      return session.closedException();
    }
    Throwable e = ErrorClassifier.unwrap(error);
    if (e instanceof RuntimeException r && EtcdErrors.classify(e) != EtcdErrors.Kind.FATAL) {
      return r;
    }
    return EtcdErrors.fatal(what, e);
  }

  // ---------------------------------------------------------------- writes: one fenced
  // transaction, sent once

  @Override
  protected CompletableFuture<Optional<Variable>> write(
      String name, long expectedVersion, byte[] value, Optional<Membership> fence) {
    String what =
        "storing state variable '"
            + name
            + "' (key "
            + keyText(name)
            + ", "
            + value.length
            + " bytes) at version "
            + expectedVersion;
    Op put =
        Op.put(
            key(name),
            ByteSequence.from(value),
            PutOption.DEFAULT); // no lease: the state outlives us
    return transact(what, name, expectedVersion, fence, put)
        .thenApply(
            r ->
                r.isSucceeded()
                    ? Optional.of(new Variable(name, value, r.getHeader().getRevision()))
                    : Optional.empty());
  }

  @Override
  protected CompletableFuture<Boolean> delete(
      String name, long expectedVersion, Optional<Membership> fence) {
    String what =
        "expunging state variable '"
            + name
            + "' (key "
            + keyText(name)
            + ") at version "
            + expectedVersion;
    return transact(what, name, expectedVersion, fence, Op.delete(key(name), DeleteOption.DEFAULT))
        .thenApply(TxnResponse::isSucceeded);
  }

  /**
   * Commits the write's transaction and completes with its response when it either succeeded or
   * failed on the version alone; fails with {@link org.masterha.ha.state.LeadershipLostException}
   * when the fence failed.
   */
  private CompletableFuture<TxnResponse> transact(
      String what, String name, long expected, Optional<Membership> fence, Op change) {
    if (session.isClosed()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    ByteSequence key = key(name);
    GetOption keysOnly = GetOption.builder().withKeysOnly(true).build();
    List<Cmp> conditions = new ArrayList<>();
    List<Op> otherwise = new ArrayList<>();
    fence.ifPresent(
        m -> {
          conditions.add(
              new Cmp(memberKey(m), Cmp.Op.EQUAL, CmpTarget.createRevision(m.sequence())));
          otherwise.add(Op.get(memberKey(m), keysOnly));
        });
    conditions.add(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)));
    otherwise.add(Op.get(key, keysOnly));
    // The write is sent once (see commit), so first wait until etcd answers at all: a cheap read,
    // retried while etcd
    // cannot be reached (a connection being re-established after a restart, a token to renew),
    // which a write
    // cannot be. What can then still fail ambiguously is the write's own round trip.
    GetOption probe = GetOption.builder().withCountOnly(true).withSerializable(true).build();
    CompletableFuture<TxnResponse> result = new CompletableFuture<>();
    session
        .ready()
        .thenCompose(
            x -> session.retrier().retry(what + ": reaching etcd", a -> kv().get(key, probe)))
        .whenComplete(
            (x, unreachable) -> {
              if (unreachable != null) {
                result.completeExceptionally(failure(what, unreachable)); // nothing was sent
              } else {
                commit(what, conditions, change, otherwise, 1, result);
              }
            });
    return result.thenApply(
        response -> {
          if (!response.isSucceeded() && fence.isPresent()) {
            Membership m = fence.get();
            List<KeyValue> member = response.getGetResponses().get(0).getKvs();
            if (member.isEmpty()) {
              throw lost(name, m, "its member " + basePath + "/" + m.id() + " is gone from etcd");
            }
            if (member.get(0).getCreateRevision() != m.sequence()) {
              throw lost(
                  name,
                  m,
                  "its member key "
                      + basePath
                      + "/"
                      + m.id()
                      + " was deleted and written again (create revision "
                      + member.get(0).getCreateRevision()
                      + ")");
            }
          }
          return response;
        });
  }

  /**
   * Sends the transaction. A write whose answer is lost (a broken connection, a timeout, a leader
   * change inside etcd) may or may not have been applied, and is NOT sent again: were it applied,
   * the second attempt would fail its version compare and report a conflict for a write that
   * succeeded, and a caller that then re-reads and writes again would apply its change twice.
   * etcd's own Go client does not retry such writes either. So it fails with an {@link HaException}
   * that says the outcome is unknown; the caller fetches the variable to find out, as a Mesos
   * master aborts and recovers its registry when a registry write fails. (That etcd could be
   * reached at all was made sure just before, by a read that is retried.) Only refusals that prove
   * nothing was applied are retried: an auth token etcd no longer knows (jetcd fetches a new one
   * for the next call). A refusal etcd gives for the request itself (permission, size) fails at
   * once: nothing was changed.
   */
  private void commit(
      String what,
      List<Cmp> conditions,
      Op change,
      List<Op> otherwise,
      int attempt,
      CompletableFuture<TxnResponse> result) {
    CompletableFuture<TxnResponse> sent;
    try {
      sent =
          kv().txn()
              .If(conditions.toArray(Cmp[]::new))
              .Then(change)
              .Else(otherwise.toArray(Op[]::new))
              .commit();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (response, error) -> {
          if (error == null) {
            result.complete(response);
            return;
          }
          if (EtcdErrors.tokenRefused(error) && attempt < TOKEN_ATTEMPTS && !session.isClosed()) {
            log.debug(
                "{}: etcd no longer knows our auth token; sending it again with a new one", what);
            // Not on the session's scheduler, which drops tasks once closed: this future must
            // complete either way.
            CompletableFuture.delayedExecutor(50L * attempt, TimeUnit.MILLISECONDS)
                .execute(() -> commit(what, conditions, change, otherwise, attempt + 1, result));
            return;
          }
          result.completeExceptionally(writeFailure(what, error));
        });
  }

  private RuntimeException writeFailure(String what, Throwable error) {
    Throwable e = ErrorClassifier.unwrap(error);
    if (EtcdErrors.classify(e) == EtcdErrors.Kind.FATAL && !session.isClosed()) {
      if (EtcdErrors.describe(e).contains("request is too large")) {
        return new HaException(
            what
                + " failed: etcd refused the request as too large ("
                + EtcdErrors.describe(e)
                + "); this cluster's --max-request-bytes is below etcd's default of "
                + ETCD_DEFAULT_MAX_REQUEST_BYTES
                + " bytes, which the etcd backend's limit of "
                + MAX_VALUE_BYTES
                + " bytes per value assumes; nothing was changed",
            e);
      }
      HaException fatal = EtcdErrors.fatal(what, e);
      return new HaException(fatal.getMessage() + "; nothing was changed", e);
    }
    return new OutcomeUnknownException(
        what
            + ": the outcome is unknown, etcd may or may not have applied it ("
            + (session.isClosed() ? "the session was closed" : EtcdErrors.describe(e))
            + "); it was not sent again, since a "
            + "second attempt after one that was applied would report a false conflict: fetch the variable to learn its "
            + "current version",
        e);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "EtcdState[" + prefix + "]";
  }
}
