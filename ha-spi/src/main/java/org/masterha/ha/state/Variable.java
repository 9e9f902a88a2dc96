package org.masterha.ha.state;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named, versioned value (Mesos' {@code state::Variable}). Version 0 means "does not exist":
 * fetching a name that was never stored gives an empty value at version 0, and storing against
 * version 0 creates it. Each successful store gives a new, higher version; a store against an older
 * version is a conflict.
 */
public final class Variable {
  private final String name;
  private final byte[] value;
  private final long version;

  public Variable(String name, byte[] value, long version) {
    this.name = StateNames.check(name);
    this.value = Objects.requireNonNull(value, "value").clone();
    if (version < 0) {
      throw new IllegalArgumentException("a variable's version is never negative, got " + version);
    }
    this.version = version;
  }

  /** A variable that does not exist yet. */
  public static Variable absent(String name) {
    return new Variable(name, new byte[0], 0);
  }

  public String name() {
    return name;
  }

  public byte[] value() {
    return value.clone();
  }

  /** The store's version of this value; 0 when it does not exist. */
  public long version() {
    return version;
  }

  public boolean exists() {
    return version != 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Variable v
        && v.name.equals(name)
        && v.version == version
        && Arrays.equals(v.value, value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, Arrays.hashCode(value));
  }

  @Override
  public String toString() {
    return "Variable[" + name + ", version=" + version + ", " + value.length + " bytes]";
  }
}
