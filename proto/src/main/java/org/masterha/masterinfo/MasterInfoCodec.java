package org.masterha.masterinfo;

import java.util.Optional;
import org.masterha.proto.MasterInfo;

/**
 * MasterInfo as Mesos stores it in a group member, by label: {@code json.info} holds JSON exactly as a Mesos
 * master writes it, {@code info} a binary protobuf (Mesos before 0.24), and a member with no label a bare UPID
 * such as {@code master@127.0.0.1:5050} (older still).
 */
public final class MasterInfoCodec {
  /** The label of a member holding MasterInfo as JSON; the one masterha writes. */
  public static final String JSON_LABEL = "json.info";
  /** The label of a legacy member holding a binary protobuf MasterInfo. */
  public static final String PROTOBUF_LABEL = "info";

  private MasterInfoCodec() {}

  /** JSON byte-for-byte as Mesos writes it: sorted keys, proto field names, enums by name, no white space. */
  public static byte[] toJson(MasterInfo info) {
    throw new UnsupportedOperationException("TODO");
  }

  /** Reads JSON written by any Mesos version or by masterha. */
  public static MasterInfo fromJson(byte[] json) {
    throw new UnsupportedOperationException("TODO");
  }

  /** Decodes a member's data according to its label. */
  public static MasterInfo decode(Optional<String> label, byte[] data) {
    throw new UnsupportedOperationException("TODO");
  }
}
