package org.masterha.demo.common;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, filled in by the build, published in MasterInfo.version. */
public final class Version {
  private Version() {}

  public static String get() {
    try (InputStream in = Version.class.getResourceAsStream("/masterha-demo.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}
