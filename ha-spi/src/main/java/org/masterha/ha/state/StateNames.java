package org.masterha.ha.state;

import java.util.regex.Pattern;

/** What a variable may be called: one path segment every store accepts as a key or node name. */
public final class StateNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private StateNames() {}

  /**
   * Whether {@code name} is one a variable may have; for telling variables from other keys in a
   * listing.
   */
  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * Returns {@code name}, or throws an {@link IllegalArgumentException} saying what is accepted.
   */
  public static String check(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException(
          "state variable name '"
              + name
              + "' is not allowed; accepted: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }
}
