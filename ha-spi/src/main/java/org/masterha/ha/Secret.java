package org.masterha.ha;

import java.util.Objects;
import org.masterha.ha.error.HaConfigException;

/**
 * A password or token. It never prints itself: {@code toString()} is a mask, so a secret can travel
 * inside configs, exceptions and log statements without leaking. Only a backend that must hand it
 * to its client library calls {@link #reveal()}.
 */
public final class Secret {
  private static final String MASK = "****";
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    Objects.requireNonNull(value, "secret");
    if (value.isEmpty()) {
      throw new HaConfigException("a password or token must not be empty");
    }
    return new Secret(value);
  }

  /** The clear text, for the one call that has to send it to the server. */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other && value.equals(other.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return MASK;
  }
}
