package org.masterha.raft.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The byte form of the commands and queries the coordination state machine takes, and of its
 * answers: a small hand-written framing ({@link DataOutputStream}), so the client needs no shaded
 * protobuf of Ratis' and the log stays readable by this code alone.
 */
public final class Wire {
  private Wire() {}

  /** Writes one message. */
  public static final class Out {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    public Out op(Op op) {
      return u8(op.ordinal());
    }

    public Out u8(int v) {
      try {
        out.writeByte(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    public Out bool(boolean v) {
      return u8(v ? 1 : 0);
    }

    public Out i64(long v) {
      try {
        out.writeLong(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    public Out i32(int v) {
      try {
        out.writeInt(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    public Out str(String v) {
      try {
        out.writeUTF(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    public Out optStr(Optional<String> v) {
      bool(v.isPresent());
      return v.isPresent() ? str(v.get()) : this;
    }

    public Out blob(byte[] v) {
      i32(v.length);
      try {
        out.write(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    public byte[] toBytes() {
      return bytes.toByteArray();
    }
  }

  /** Reads one message; a malformed one fails with {@link IllegalArgumentException}. */
  public static final class In {
    private final DataInputStream in;

    public In(byte[] bytes) {
      this.in = new DataInputStream(new ByteArrayInputStream(bytes));
    }

    public Op op() {
      int o = u8();
      Op[] ops = Op.values();
      if (o >= ops.length) {
        throw new IllegalArgumentException("unknown raft coordination operation " + o);
      }
      return ops[o];
    }

    public int u8() {
      try {
        return in.readUnsignedByte();
      } catch (IOException e) {
        throw malformed(e);
      }
    }

    public boolean bool() {
      return u8() != 0;
    }

    public long i64() {
      try {
        return in.readLong();
      } catch (IOException e) {
        throw malformed(e);
      }
    }

    public int i32() {
      try {
        return in.readInt();
      } catch (IOException e) {
        throw malformed(e);
      }
    }

    public String str() {
      try {
        return in.readUTF();
      } catch (IOException e) {
        throw malformed(e);
      }
    }

    public Optional<String> optStr() {
      return bool() ? Optional.of(str()) : Optional.empty();
    }

    public byte[] blob() {
      int n = i32();
      if (n < 0) {
        throw new IllegalArgumentException("negative length " + n + " in a raft message");
      }
      byte[] b = new byte[n];
      try {
        in.readFully(b);
      } catch (IOException e) {
        throw malformed(e);
      }
      return b;
    }

    private static IllegalArgumentException malformed(IOException e) {
      return new IllegalArgumentException("malformed raft coordination message: " + e, e);
    }
  }

  /**
   * The operations: the first byte of every command (a log entry) and query (read-only, answered
   * after a read index). New operations go at the end: the ordinal is what the log holds.
   */
  public enum Op {
    // Commands, replicated through the log.
    OPEN_SESSION,
    KEEP_ALIVE,
    CLOSE_SESSION,
    /** Decided by the Raft leader's clock: the session had no keep-alive within its timeout. */
    EXPIRE_SESSION,
    /** An operator or test ends a session as a timeout would. */
    FORCE_EXPIRE,
    JOIN,
    CANCEL,
    STORE,
    EXPUNGE,
    /** Deletes a base path's members and variables behind the clients' backs (an operator). */
    WIPE,
    // Queries, answered from the applied state after a linearizable read index.
    LIST,
    DATA,
    FETCH,
    NAMES,
    /**
     * A command that changes nothing: its commit proves that a majority serves now. Ratis 3.2's
     * read index answers at once, without asking the followers, when no entry was committed since
     * its last acknowledged read index, so a leader that lost its majority still answers reads
     * until it steps down (up to two election timeouts); only a commit proves a majority.
     */
    SYNC
  }

  /** Answer status of a write. */
  public static final int OK = 0;

  public static final int NO_SESSION = 1;
  public static final int CONFLICT = 2;
  public static final int FENCED = 3;
}
