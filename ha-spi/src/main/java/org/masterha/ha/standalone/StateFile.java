package org.masterha.ha.standalone;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.masterha.ha.error.HaException;

/**
 * The standalone backend's optional state file, so a single master keeps its records across its own
 * restarts. Each save writes a complete new file next to the old one, forces it to disk and renames
 * it over the old, so a crash leaves either the old or the new records, never a torn file.
 */
final class StateFile {
  private static final int MAGIC = 0x4d484131; // "MHA1"

  record Entry(byte[] value, long version) {}

  record Contents(Map<String, Entry> variables, long nextVersion) {}

  private final Path file;

  StateFile(Path file) {
    this.file = file.toAbsolutePath();
  }

  Path path() {
    return file;
  }

  Contents load() {
    if (!Files.exists(file)) {
      return new Contents(new TreeMap<>(), 1);
    }
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(raw)) {
      if (in.readInt() != MAGIC) {
        throw new HaException(
            "standalone state file "
                + file
                + " is not a masterha state file (bad header); move it away or point the option elsewhere");
      }
      long nextVersion = in.readLong();
      int count = in.readInt();
      Map<String, Entry> vars = new TreeMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        long version = in.readLong();
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        vars.put(name, new Entry(value, version));
      }
      return new Contents(vars, nextVersion);
    } catch (EOFException e) {
      throw new HaException(
          "standalone state file " + file + " is truncated; it was not written by a complete save",
          e);
    } catch (IOException e) {
      throw new HaException(
          "standalone state file " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  void save(Map<String, Entry> variables, long nextVersion) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeLong(nextVersion);
      out.writeInt(variables.size());
      for (Map.Entry<String, Entry> e : variables.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue().version());
        out.writeInt(e.getValue().value().length);
        out.write(e.getValue().value());
      }
    } catch (IOException e) {
      throw new AssertionError("writing to memory cannot fail", e);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new HaException(
          "standalone state file " + file + " cannot be written: " + e.getMessage(), e);
    }
  }
}
