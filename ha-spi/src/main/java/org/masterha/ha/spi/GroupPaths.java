package org.masterha.ha.spi;

import java.util.regex.Pattern;
import org.masterha.ha.error.HaConfigException;

/**
 * The one rule for a group's path below the base path, the same on every backend: segments of
 * letters, digits and {@code . _ @ : = + -} (the base path's own rule), none empty, {@code .} or
 * {@code ..}, separated by {@code /}; and not under {@code state}, which holds the master's state
 * variables on every store.
 */
public final class GroupPaths {
  /** The base path's child that holds the state variables; no group may live there. */
  public static final String STATE = "state";

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._@:=+-]+");

  private GroupPaths() {}

  /**
   * The group's full path: {@code basePath} itself for {@code ""}, else {@code
   * basePath/relativePath}.
   */
  public static String resolve(String basePath, String relativePath) {
    if (relativePath == null || relativePath.isEmpty()) {
      return basePath;
    }
    String[] segments = relativePath.split("/", -1);
    if (segments[0].equals(STATE)) {
      throw new HaConfigException(
          "group path '"
              + relativePath
              + "' is not available: "
              + STATE
              + " under the base path"
              + " holds the master's state variables; choose another path, e.g. log_replicas");
    }
    for (String segment : segments) {
      if (segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()) {
        throw new HaConfigException(
            "group path '"
                + relativePath
                + "' is not a relative path (segment '"
                + segment
                + "'); accepted: non-empty segments of letters, digits and . _ @ : = + -, separated by '/', e.g. log_replicas");
      }
    }
    return basePath + "/" + relativePath;
  }
}
