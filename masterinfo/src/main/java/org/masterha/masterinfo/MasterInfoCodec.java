package org.masterha.masterinfo;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Objects;
import java.util.Optional;
import org.masterha.proto.MasterInfo;

/**
 * MasterInfo as Mesos stores it in a group member, by label: {@code json.info} holds JSON exactly
 * as a Mesos master writes it, {@code info} a binary protobuf (Mesos before 0.24), and a member
 * with no label a bare UPID such as {@code master@127.0.0.1:5050} (older still).
 *
 * <p>What Mesos does, and where: the contender ({@code src/master/contender/zookeeper.cpp}) writes
 * {@code stringify(JSON::protobuf(masterInfo))} under the label {@code json.info}; the detector
 * ({@code src/master/detector/zookeeper.cpp}) reads the three forms by label and fails on any other
 * label. {@link MesosJsonWriter} and {@link MesosJsonReader} describe the JSON rules (stout's
 * {@code protobuf.hpp}, {@code json.hpp}, {@code jsonify.hpp}).
 */
public final class MasterInfoCodec {
  /** The label of a member holding MasterInfo as JSON; the one masterha writes. */
  public static final String JSON_LABEL = "json.info";

  /** The label of a legacy member holding a binary protobuf MasterInfo. */
  public static final String PROTOBUF_LABEL = "info";

  private MasterInfoCodec() {}

  /**
   * JSON byte-for-byte as Mesos writes it: sorted keys, proto field names, enums by name, no white
   * space.
   */
  public static byte[] toJson(MasterInfo info) {
    return toJson(info, MesosJsonDialect.RAPIDJSON);
  }

  /**
   * JSON byte-for-byte as the given generation of Mesos writes it; the dialects differ only in how
   * strings with {@code '/'} or control characters are escaped.
   *
   * @throws IllegalArgumentException when a required field is unset (a partially built message)
   */
  public static byte[] toJson(MasterInfo info, MesosJsonDialect dialect) {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(dialect, "dialect");
    if (!info.isInitialized()) {
      throw new IllegalArgumentException(
          "MasterInfo is missing required field(s): "
              + String.join(", ", info.findInitializationErrors())
              + "; build it with MasterInfo.Builder.build()");
    }
    return MesosJsonWriter.write(info, dialect);
  }

  /** Reads JSON written by any Mesos version or by masterha. */
  public static MasterInfo fromJson(byte[] json) {
    Objects.requireNonNull(json, "json");
    MasterInfo.Builder builder = MasterInfo.newBuilder();
    MesosJsonReader.read(json, builder, "MasterInfo JSON");
    return builder.build();
  }

  /**
   * Decodes a member's data according to its label: {@code json.info} (JSON), {@code info} (binary
   * protobuf, Mesos before 0.24) or no label (a bare UPID, see {@link MasterInfos#fromUpid}).
   *
   * @throws MalformedMasterInfoException when the data is not what the label promises, or the label
   *     is unknown
   */
  public static MasterInfo decode(Optional<String> label, byte[] data) {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(data, "data");
    String what =
        label.map(l -> "'" + Upid.printable(l) + "' member data").orElse("unlabelled member data");
    if (label.isPresent()
        && !label.get().equals(JSON_LABEL)
        && !label.get().equals(PROTOBUF_LABEL)) {
      throw new MalformedMasterInfoException(
          "unsupported label '"
              + Upid.printable(label.get())
              + "'; a MasterInfo member has the label "
              + JSON_LABEL
              + " (JSON), "
              + PROTOBUF_LABEL
              + " (binary protobuf) or none (bare UPID)");
    }
    if (data.length == 0) {
      throw new MalformedMasterInfoException(what + " is empty; expected a MasterInfo");
    }
    if (label.isEmpty()) {
      String text = MesosJsonReader.utf8(data, what);
      try {
        return MasterInfos.fromUpid(Upid.parse(text));
      } catch (IllegalArgumentException e) {
        throw new MalformedMasterInfoException(what + " is not a UPID: " + e.getMessage(), e);
      }
    }
    if (label.get().equals(JSON_LABEL)) {
      MasterInfo.Builder builder = MasterInfo.newBuilder();
      MesosJsonReader.read(data, builder, "'" + JSON_LABEL + "' member data");
      return builder.build();
    }
    return fromProtobuf(data, what);
  }

  private static MasterInfo fromProtobuf(byte[] data, String what) {
    MasterInfo info;
    try {
      info = MasterInfo.parser().parsePartialFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedMasterInfoException(
          what + " is not a binary protobuf MasterInfo: " + e.getMessage(), e);
    }
    if (!info.isInitialized()) {
      // Mesos' detector uses ParseFromString, which refuses a message without its required fields.
      throw new MalformedMasterInfoException(
          what
              + " (binary protobuf MasterInfo) is missing required field(s): "
              + String.join(", ", info.findInitializationErrors()));
    }
    return info;
  }
}
