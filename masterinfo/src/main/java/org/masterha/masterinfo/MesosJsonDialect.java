package org.masterha.masterinfo;

/**
 * How a Mesos version escapes strings when it writes JSON. Everything else (sorted keys, proto
 * field names, numbers, no white space) is the same in every Mesos version that writes {@code
 * json.info} members; only the string escaping of stout's {@code jsonify} changed, when stout
 * switched its writer to rapidjson. The two differ only for strings holding {@code '/'}, control
 * characters or DEL, which a real MasterInfo never contains; a Mesos reader accepts both.
 */
public enum MesosJsonDialect {
  /**
   * Current Mesos: stout's {@code jsonify} on rapidjson 1.1.0's {@code Writer}: escapes {@code "}
   * and {@code \}, writes {@code \b \t \n \f \r} and other control characters as {@code \}{@code
   * u00XX} (upper-case hex); leaves {@code '/'}, DEL and non-ASCII (UTF-8) as they are.
   */
  RAPIDJSON,

  /**
   * Mesos before stout's rapidjson switch (e.g. 1.4): stout's own {@code StringWriter}: escapes
   * {@code "}, {@code \} and also {@code '/'} (as {@code \/}), writes {@code \b \f \n \r \t} and
   * other control characters and DEL (0x7f) as {@code \}{@code u00xx} (lower-case hex); leaves
   * non-ASCII (UTF-8) bytes as they are.
   */
  STOUT_LEGACY
}
