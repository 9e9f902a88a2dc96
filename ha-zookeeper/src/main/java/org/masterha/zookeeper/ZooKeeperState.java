package org.masterha.zookeeper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.utils.ZKPaths;
import org.apache.jute.BinaryOutputArchive;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.MultiOperationRecord;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.RequestHeader;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.error.HaException;
import org.masterha.ha.group.Membership;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.spi.GroupPaths;
import org.masterha.ha.spi.StoreState;
import org.masterha.ha.state.OutcomeUnknownException;
import org.masterha.ha.state.StateNames;
import org.masterha.ha.state.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's state in ZooKeeper: variable {@code name} is the persistent znode {@code
 * <base>/state/<name>} holding the value's bytes.
 *
 * <p><b>Versions never repeat.</b> A variable's version is its znode's data version + 1 (0:
 * absent). ZooKeeper restarts a znode's data version at 0 when the znode is deleted and created
 * again, so variable znodes are never deleted: an expunge is a {@code setData} to the
 * <em>tombstone</em>, zero bytes of data, at the expected version; {@code fetch} reads a tombstone
 * as absent and {@code names} skips it. Every store and every expunge thus raises the znode's data
 * version by one, for the znode's whole life: a version, once given out, is never given again, and
 * a {@link Variable} held from before an expunge conflicts with every later write. Since zero bytes
 * mean "expunged", a value that is empty or starts with byte {@code 0x00} is stored behind one
 * {@code 0x00} byte; every other value is stored as it is, so operators see the bytes they expect
 * in {@code zkCli.sh get}.
 *
 * <p><b>Every write is one multi</b>, applied by ZooKeeper all or nothing:
 *
 * <pre>
 * check   &lt;base&gt;/&lt;member&gt;       version -1           (fenced only: the candidacy's member znode exists)
 * create  &lt;base&gt;/state/&lt;name&gt;  value, persistent     (store at version 0, no znode yet)
 *   | setData &lt;base&gt;/state/&lt;name&gt; value, expected - 1   (store at any other version; 0 bytes for an expunge)
 *   | setData &lt;base&gt;/state/&lt;name&gt; value, tombstone's  (store at version 0 over a tombstone)
 * </pre>
 *
 * A member znode exists exactly as long as its candidacy is a member, and a member that once led
 * keeps leading while it exists (newer members only get higher sequences), so the store itself
 * refuses the write of a deposed leader, however long it was paused. ZooKeeper reports the first
 * failing operation of a failed multi: the check comes first, so a lost leadership is reported
 * whatever the version (it takes precedence over a conflict).
 *
 * <p><b>Failures.</b> Reads are retried once the session is connected again, as all of this
 * backend's requests are. A write is retried only when it provably was not applied: {@code
 * SESSIONMOVED} (the servers refused it). {@code SESSIONEXPIRED} proves nothing: ZooKeeper's client
 * fails every request it has sent and not heard back about with it once it learns the session
 * expired, and the servers may have applied such a request while the session was still live (a
 * leader paused right after sending its write: the fault campaign found exactly that). Like a
 * connection lost after the multi may have been sent, it leaves the outcome unknown: the write
 * fails with {@link OutcomeUnknownException} and is not sent again, since a repeated
 * compare-and-swap cannot tell its own earlier success from a conflict, and a fenced one would
 * report a lost leadership for a write that was applied.
 */
final class ZooKeeperState extends StoreState {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperState.class);

  /**
   * ZooKeeper's default {@code jute.maxbuffer}: the largest request a server reads, a multi
   * included.
   */
  static final int JUTE_MAXBUFFER_DEFAULT = 0xfffff;

  /**
   * The largest value: 1000 KiB, the standalone backend's cap too, so a master moving between them
   * finds no surprise.
   */
  static final int MAX_VALUE_BYTES = 1000 * 1024;

  /**
   * What each write keeps for the rest of its multi besides the value: 1,048,575 - 1,024,000 =
   * 24,575 bytes. The rest of the largest multi is measured ({@link #framingBytes}): 358 bytes for
   * base path /mesos, a 128-character name and room for a 128-character member name, plus 2 per
   * character of base path (it is in both paths) and the escape byte; so base paths of up to 12,114
   * characters fit.
   */
  static final int REQUEST_MARGIN_BYTES = JUTE_MAXBUFFER_DEFAULT - MAX_VALUE_BYTES;

  /**
   * Room for the fence's member name in the size arithmetic, whatever this state's own fence (ours:
   * 20 characters).
   */
  static final int RESERVED_MEMBER_NAME_CHARS = 128;

  /** StateNames' longest name. */
  static final int MAX_NAME_CHARS = 128;

  /** The first byte of an escaped value (see the class comment). */
  private static final byte ESCAPE = 0;

  private static final byte[] TOMBSTONE = new byte[0];

  private final ZooKeeperSession session;
  private final Optional<Candidacy> candidacy;
  private final String basePath;
  private final String statePath;
  private final List<ACL> acl;

  ZooKeeperState(ZooKeeperSession session, Optional<Candidacy> fence) {
    super(ZooKeeperBackend.NAME, fence);
    this.session = session;
    this.candidacy = fence;
    this.basePath = session.settings().basePath();
    this.statePath = statePath(basePath);
    this.acl = session.settings().stateAcl();
    int memberNameChars =
        Math.max(
            RESERVED_MEMBER_NAME_CHARS, fence.map(c -> c.membership().id().length()).orElse(0));
    int framing = framingBytes(basePath, memberNameChars, acl);
    if (framing + 1 + MAX_VALUE_BYTES > JUTE_MAXBUFFER_DEFAULT) {
      throw new HaConfigException(
          "base path '"
              + basePath
              + "' is too long for the state store: a write of the largest value ("
              + MAX_VALUE_BYTES
              + " bytes) would need a "
              + (framing + 1 + MAX_VALUE_BYTES)
              + "-byte request, above ZooKeeper's default"
              + " jute.maxbuffer of "
              + JUTE_MAXBUFFER_DEFAULT
              + " bytes; accepted: base paths of up to about 12,000 characters");
    }
  }

  /** Where the variables of {@code basePath} live: {@code <base>/state}. */
  static String statePath(String basePath) {
    return basePath + "/" + GroupPaths.STATE;
  }

  @Override
  public int maxValueBytes() {
    return MAX_VALUE_BYTES;
  }

  private String path(String name) {
    return statePath + "/" + name;
  }

  private String memberPath(Membership m) {
    return ZKPaths.makePath(basePath, m.id());
  }

  // ---------------------------------------------------------------- the znode format and the size
  // arithmetic

  /**
   * The znode data for {@code value}: as it is, or behind {@link #ESCAPE} when it could be read as
   * a tombstone.
   */
  static byte[] encode(byte[] value) {
    if (value.length > 0 && value[0] != ESCAPE) {
      return value;
    }
    byte[] stored = new byte[value.length + 1];
    System.arraycopy(value, 0, stored, 1, value.length);
    return stored;
  }

  /** The value stored as {@code data}; empty for a tombstone. */
  static Optional<byte[]> decode(byte[] data) {
    if (data == null || data.length == 0) {
      return Optional.empty();
    }
    return Optional.of(data[0] == ESCAPE ? Arrays.copyOfRange(data, 1, data.length) : data);
  }

  /**
   * A variable's version: its znode's data version + 1, so a newly created znode (data version 0)
   * is version 1.
   */
  static long version(Stat stat) {
    return stat.getVersion() + 1L;
  }

  /**
   * The bytes of the largest write's request besides its stored data: what a ZooKeeper server
   * counts against {@code jute.maxbuffer} (the request header and the serialized multi, without the
   * 4-byte length in front). Measured by serializing the two largest multis this client sends: the
   * fenced create (a check on a member of {@code memberNameChars}, a create of a {@value
   * #MAX_NAME_CHARS}-character name with {@code acl}) and the fenced setData. A value's bytes add
   * one for one.
   */
  static int framingBytes(String basePath, int memberNameChars, List<ACL> acl) {
    String member = basePath + "/" + "m".repeat(memberNameChars);
    String variable = statePath(basePath) + "/" + "n".repeat(MAX_NAME_CHARS);
    int create =
        requestBytes(
            List.of(
                Op.check(member, -1),
                Op.create(variable, new byte[0], acl, CreateMode.PERSISTENT)));
    int setData =
        requestBytes(
            List.of(Op.check(member, -1), Op.setData(variable, new byte[0], Integer.MAX_VALUE)));
    return Math.max(create, setData);
  }

  /**
   * The size of a multi request of {@code ops} as the server reads it (see {@link #framingBytes}).
   */
  static int requestBytes(List<Op> ops) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryOutputArchive archive = BinaryOutputArchive.getArchive(out);
      new RequestHeader(0, ZooDefs.OpCode.multi).serialize(archive, "header");
      new MultiOperationRecord(ops).serialize(archive, "request");
      return out.size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- reads: retried until answered

  @Override
  protected CompletableFuture<Variable> load(String name) {
    CompletableFuture<Variable> f = session.track();
    if (f.isDone()) {
      return f;
    }
    String path = path(name);
    session.submit(
        new SessionAttempt(session, "read state variable '" + name + "' (" + path + ")") {
          @Override
          public void run() {
            long sid = session.currentSessionId();
            long sentAt = System.nanoTime();
            issue(
                () ->
                    session
                        .client()
                        .getData()
                        .inBackground(
                            callback(
                                e -> {
                                  int rc = e.getResultCode();
                                  if (KeeperCodes.isRetryable(rc)) {
                                    session.retry(this);
                                  } else if (rc == Code.OK.intValue()) {
                                    session.confirm(sid, sentAt);
                                    Optional<byte[]> value = decode(e.getData());
                                    if (value.isEmpty()) {
                                      f.complete(Variable.absent(name)); // a tombstone
                                    } else if (e.getStat().getVersion() < 0) {
                                      abort(
                                          new HaException(
                                              "state variable '"
                                                  + name
                                                  + "' ("
                                                  + path
                                                  + ") has ZooKeeper data version "
                                                  + e.getStat().getVersion()
                                                  + ": the 31-bit counter wrapped around (someone else wrote it 2^31 times), so its"
                                                  + " versions could repeat; it cannot be used"));
                                    } else {
                                      f.complete(
                                          new Variable(name, value.get(), version(e.getStat())));
                                    }
                                  } else if (rc == Code.NONODE.intValue()) {
                                    session.confirm(sid, sentAt);
                                    f.complete(Variable.absent(name));
                                  } else {
                                    abort(
                                        KeeperCodes.failure(what(), rc, session.settings().user()));
                                  }
                                }),
                            session.events())
                        .forPath(path));
          }

          @Override
          void failed(RuntimeException cause) {
            f.completeExceptionally(cause);
          }
        });
    return f;
  }

  @Override
  public CompletableFuture<Set<String>> names() {
    CompletableFuture<Set<String>> f = session.track();
    if (!f.isDone()) {
      session.submit(new ListNames(f));
    }
    return f;
  }

  /**
   * The children of {@code <base>/state} with a variable's name, then each one's stat (pipelined),
   * keeping those with data: a tombstone has none. A retryable failure of any of these reads starts
   * the whole listing again.
   */
  private final class ListNames extends SessionAttempt {
    private final CompletableFuture<Set<String>> result;

    /** Each run is a round; answers of an earlier round are ignored. */
    private int round;

    ListNames(CompletableFuture<Set<String>> result) {
      super(ZooKeeperState.this.session, "list the state variables under " + statePath);
      this.result = result;
    }

    @Override
    public void run() {
      int r = ++round;
      long sid = session.currentSessionId();
      long sentAt = System.nanoTime();
      issue(
          () ->
              session
                  .client()
                  .getChildren()
                  .inBackground(
                      callback(
                          e -> {
                            if (r != round || result.isDone()) {
                              return;
                            }
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(this);
                            } else if (rc == Code.NONODE.intValue()) {
                              session.confirm(sid, sentAt);
                              result.complete(Collections.emptySortedSet());
                            } else if (rc != Code.OK.intValue()) {
                              abort(KeeperCodes.failure(what(), rc, session.settings().user()));
                            } else {
                              session.confirm(sid, sentAt);
                              List<String> candidates = new ArrayList<>();
                              for (String child : e.getChildren()) {
                                if (StateNames.isValid(child)) {
                                  candidates.add(child);
                                } else {
                                  log.debug(
                                      "Ignoring znode {}/{}: not a state variable name",
                                      statePath,
                                      child);
                                }
                              }
                              stat(r, candidates);
                            }
                          }),
                      session.events())
                  .forPath(statePath));
    }

    private void stat(int r, List<String> candidates) {
      Set<String> live = new TreeSet<>();
      if (candidates.isEmpty()) {
        result.complete(Collections.unmodifiableSet(live));
        return;
      }
      int[] pending = {candidates.size()};
      for (String name : candidates) {
        issue(
            () ->
                session
                    .client()
                    .checkExists()
                    .inBackground(
                        callback(
                            e -> {
                              if (r != round || result.isDone()) {
                                return;
                              }
                              int rc = e.getResultCode();
                              if (KeeperCodes.isRetryable(rc)) {
                                session.retry(this);
                                return;
                              }
                              if (rc == Code.OK.intValue()
                                  && e.getStat() != null
                                  && e.getStat().getDataLength() > 0) {
                                live.add(name);
                              } else if (rc != Code.OK.intValue() && rc != Code.NONODE.intValue()) {
                                abort(KeeperCodes.failure(what(), rc, session.settings().user()));
                                return;
                              }
                              if (--pending[0] == 0) {
                                result.complete(Collections.unmodifiableSet(live));
                              }
                            }),
                        session.events())
                    .forPath(path(name)));
      }
    }

    @Override
    void failed(RuntimeException cause) {
      result.completeExceptionally(cause);
    }
  }

  // ---------------------------------------------------------------- writes: one fenced multi, sent
  // once

  @Override
  protected CompletableFuture<Optional<Variable>> write(
      String name, long expectedVersion, byte[] value, Optional<Membership> fence) {
    String what =
        "store state variable '"
            + name
            + "' ("
            + path(name)
            + ", "
            + value.length
            + " bytes) at version "
            + expectedVersion;
    return send(new Write(what, name, expectedVersion, encode(value), fence))
        .thenApply(
            version ->
                version.isPresent()
                    ? Optional.of(new Variable(name, value, version.getAsLong()))
                    : Optional.empty());
  }

  @Override
  protected CompletableFuture<Boolean> delete(
      String name, long expectedVersion, Optional<Membership> fence) {
    String what =
        "expunge state variable '" + name + "' (" + path(name) + ") at version " + expectedVersion;
    return send(new Write(what, name, expectedVersion, TOMBSTONE, fence))
        .thenApply(OptionalLong::isPresent);
  }

  private CompletableFuture<OptionalLong> send(Write write) {
    if (!write.result.isDone()) {
      session.submit(write);
    }
    return write.result;
  }

  /** What a write does next; see {@link Write}. */
  private enum Step {
    /** Send the multi. */
    SEND,
    /**
     * A create found the znode there: read whether it is a tombstone, which a store at version 0
     * may revive.
     */
    PROBE_TOMBSTONE,
    /** A create found no {@code <base>/state}: create it (and its parents), then send again. */
    CREATE_PARENT
  }

  /**
   * One store or expunge. Completes with the new version, empty on a version conflict, or fails
   * with {@link org.masterha.ha.state.LeadershipLostException} when the fence's check failed. Only
   * {@link Step#SEND} changes anything, and it is sent again only when the previous copy provably
   * was not applied.
   */
  private final class Write extends SessionAttempt {
    private final String name;
    private final String path;
    private final long expected;

    /** The znode data to write: the encoded value, or the tombstone for an expunge. */
    private final byte[] data;

    private final Optional<Membership> fence;
    private final CompletableFuture<OptionalLong> result;
    private Step step = Step.SEND;

    /** The data version of the tombstone a store at version 0 revives; -1 until one was found. */
    private int tombstone = -1;

    private boolean parentCreated;

    Write(String what, String name, long expected, byte[] data, Optional<Membership> fence) {
      super(ZooKeeperState.this.session, what);
      this.name = name;
      this.path = path(name);
      this.expected = expected;
      this.data = data;
      this.fence = fence;
      this.result = session.track();
    }

    @Override
    public void run() {
      if (result.isDone()) {
        return;
      }
      switch (step) {
        case SEND -> sendMulti();
        case PROBE_TOMBSTONE -> probeTombstone();
        case CREATE_PARENT -> createParent();
      }
    }

    private void next(Step s) {
      step = s;
      session.retry(this);
    }

    private void sendMulti() {
      if (candidacy.isPresent() && candidacy.get().lost().isDone()) {
        // Lost while this write waited for the connection: the local half of the fence, checked
        // again.
        abort(lost(name, candidacy.get().membership(), "its candidacy was lost"));
        return;
      }
      // The data version the change is made at; null when no znode can have the expected version.
      Integer at;
      if (expected == 0) {
        at = tombstone >= 0 ? tombstone : null;
      } else if (expected - 1 <= Integer.MAX_VALUE) {
        at = (int) (expected - 1);
      } else {
        at = null; // never a version of ours: only the fence is checked, then it is a conflict
      }
      if (at != null && at == Integer.MAX_VALUE) {
        abort(
            new HaException(
                "cannot "
                    + what()
                    + ": ZooKeeper counts a znode's data version in 31 bits, and this variable's"
                    + " has reached "
                    + Integer.MAX_VALUE
                    + "; writing it again would wrap the version around; nothing was changed"));
        return;
      }
      boolean create = expected == 0 && tombstone < 0;
      long sid = session.currentSessionId();
      long sentAt = System.nanoTime();
      issue(
          () -> {
            List<CuratorOp> ops = new ArrayList<>();
            if (fence.isPresent()) {
              ops.add(
                  session
                      .client()
                      .transactionOp()
                      .check()
                      .withVersion(-1)
                      .forPath(memberPath(fence.get())));
            }
            int change = ops.size();
            if (create) {
              ops.add(
                  session
                      .client()
                      .transactionOp()
                      .create()
                      .withMode(CreateMode.PERSISTENT)
                      .withACL(acl)
                      .forPath(path, data));
            } else if (at != null) {
              ops.add(
                  session.client().transactionOp().setData().withVersion(at).forPath(path, data));
            }
            if (ops.isEmpty()) {
              result.complete(
                  OptionalLong.empty()); // unfenced, and no znode can have the expected version
              return;
            }
            session
                .client()
                .transaction()
                .inBackground(
                    callback(e -> answered(e, change, create, sid, sentAt)), session.events())
                .forOperations(ops);
          });
    }

    private void answered(CuratorEvent e, int change, boolean create, long sid, long sentAt) {
      int rc = e.getResultCode();
      List<CuratorTransactionResult> results = e.getOpResults();
      if (results == null || results.isEmpty()) {
        unanswered(rc);
        return;
      }
      session.confirm(sid, sentAt);
      if (fence.isPresent()) {
        int fenceRc = results.get(0).getError();
        if (fenceRc == Code.NONODE.intValue()) {
          Membership m = fence.get();
          abort(lost(name, m, "its member " + memberPath(m) + " is gone from ZooKeeper"));
          return;
        }
        if (fenceRc != Code.OK.intValue()) {
          abort(refused(fenceRc));
          return;
        }
      }
      if (change >= results.size()) {
        result.complete(OptionalLong.empty());
        return;
      }
      CuratorTransactionResult changed = results.get(change);
      int changeRc = changed.getError();
      if (changeRc == Code.OK.intValue() && rc == Code.OK.intValue()) {
        // A new znode has data version 0; a setData reports the stat it left.
        long version = create ? 1 : version(changed.getResultStat());
        result.complete(OptionalLong.of(version));
      } else if (create && changeRc == Code.NODEEXISTS.intValue()) {
        next(Step.PROBE_TOMBSTONE);
      } else if (create && changeRc == Code.NONODE.intValue()) {
        if (parentCreated) {
          abort(refused(changeRc)); // <base>/state vanished again right after we created it
        } else {
          next(Step.CREATE_PARENT);
        }
      } else if (!create
          && (changeRc == Code.BADVERSION.intValue() || changeRc == Code.NONODE.intValue())) {
        log.debug("{}: version conflict ({})", what(), KeeperCodes.name(changeRc));
        result.complete(OptionalLong.empty());
      } else {
        abort(refused(changeRc == Code.OK.intValue() ? rc : changeRc));
      }
    }

    /** The multi got no answer from the servers. */
    private void unanswered(int rc) {
      if (rc == Code.SESSIONMOVED.intValue()) {
        // Refused by the servers for a session that moved to another server: not applied. Send it
        // again once connected (a fenced one then finds its member where the session left it).
        log.debug(
            "{}: not applied ({}); sending it again once connected", what(), KeeperCodes.name(rc));
        session.retry(this);
      } else if (rc == Code.SESSIONEXPIRED.intValue() || KeeperCodes.isOutcomeUnknown(rc)) {
        abort(
            new OutcomeUnknownException(
                what()
                    + ": the outcome is unknown, ZooKeeper may or may not have applied it (no"
                    + " answer came before "
                    + (rc == Code.SESSIONEXPIRED.intValue()
                        ? "the session expired, and the servers may have applied it while the"
                            + " session was still live"
                        : "the connection was lost: " + KeeperCodes.name(rc))
                    + "); it was not sent again, since a second attempt after one that was applied"
                    + " would report a false conflict: fetch the variable to learn its current"
                    + " version"));
      } else {
        abort(refused(rc));
      }
    }

    private HaException refused(int rc) {
      HaException e = KeeperCodes.failure(what(), rc, session.settings().user());
      return new HaException(e.getMessage() + "; nothing was changed", e);
    }

    private void probeTombstone() {
      issue(
          () ->
              session
                  .client()
                  .checkExists()
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(this); // a read: safe to repeat
                            } else if (rc == Code.NONODE.intValue()) {
                              next(Step.SEND); // deleted meanwhile (not by us: we never delete):
                              // create it
                            } else if (rc != Code.OK.intValue()) {
                              abort(refused(rc));
                            } else if (e.getStat().getDataLength() == 0) {
                              tombstone = e.getStat().getVersion();
                              next(Step.SEND);
                            } else {
                              result.complete(
                                  OptionalLong
                                      .empty()); // a live variable: creating it is a conflict
                            }
                          }),
                      session.events())
                  .forPath(path));
    }

    private void createParent() {
      parentCreated = true;
      // The parents of <base>/state get the members' ACL (the session's ACL provider); <base>/state
      // gets the state's.
      issue(
          () ->
              session
                  .client()
                  .create()
                  .creatingParentsIfNeeded()
                  .withMode(CreateMode.PERSISTENT)
                  .withACL(acl)
                  .inBackground(
                      callback(
                          e -> {
                            int rc = e.getResultCode();
                            if (KeeperCodes.isRetryable(rc)) {
                              session.retry(
                                  this); // creating a persistent path again is harmless: NODEEXISTS
                            } else if (rc == Code.OK.intValue()
                                || rc == Code.NODEEXISTS.intValue()) {
                              next(Step.SEND);
                            } else {
                              abort(refused(rc));
                            }
                          }),
                      session.events())
                  .forPath(statePath, new byte[0]));
    }

    @Override
    void failed(RuntimeException cause) {
      result.completeExceptionally(cause);
    }
  }

  @Override
  public String toString() {
    return "ZooKeeperState["
        + statePath
        + (candidacy.isPresent() ? ", fenced by " + candidacy.get().membership().id() : "")
        + "]";
  }
}
