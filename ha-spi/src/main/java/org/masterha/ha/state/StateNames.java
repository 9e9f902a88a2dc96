package org.masterha.ha.state;

import java.util.regex.Pattern;

/** What a variable may be called: one path segment every store accepts as a key or node name. */
public final class StateNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private StateNames() {}

  public static String check(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("state variable name '" + name
          + "' is not allowed; accepted: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }
}
