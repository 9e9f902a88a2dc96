package org.masterha.masterinfo;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.masterha.proto.MasterInfo;

/**
 * TEMP stub so the demo runs until the real codec lands on main; dropped at merge.
 */
public final class MasterInfoCodec {
  public static final String JSON_LABEL = "json.info";
  public static final String PROTOBUF_LABEL = "info";

  private MasterInfoCodec() {}

  public static byte[] toJson(MasterInfo info) {
    try {
      return JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace().print(info)
          .getBytes(StandardCharsets.UTF_8);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedMasterInfoException("cannot print MasterInfo: " + e.getMessage(), e);
    }
  }

  public static MasterInfo fromJson(byte[] json) {
    try {
      MasterInfo.Builder b = MasterInfo.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(new String(json, StandardCharsets.UTF_8), b);
      if (!b.isInitialized()) {
        throw new MalformedMasterInfoException("MasterInfo JSON lacks required fields");
      }
      return b.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      if (e instanceof MalformedMasterInfoException m) {
        throw m;
      }
      throw new MalformedMasterInfoException("not MasterInfo JSON: " + e.getMessage(), e);
    }
  }

  public static MasterInfo decode(Optional<String> label, byte[] data) {
    if (label.isPresent() && label.get().equals(JSON_LABEL)) {
      return fromJson(data);
    }
    if (label.isPresent() && label.get().equals(PROTOBUF_LABEL)) {
      try {
        return MasterInfo.parseFrom(data);
      } catch (InvalidProtocolBufferException e) {
        throw new MalformedMasterInfoException("not a binary MasterInfo: " + e.getMessage(), e);
      }
    }
    String pid = new String(data, StandardCharsets.UTF_8);
    int at = pid.indexOf('@');
    int colon = pid.lastIndexOf(':');
    if (at <= 0 || colon < at) {
      throw new MalformedMasterInfoException("not a UPID: " + pid);
    }
    try {
      int port = Integer.parseInt(pid.substring(colon + 1));
      return MasterInfo.newBuilder().setId(pid).setIp(0).setPort(port).setPid(pid)
          .setHostname(pid.substring(at + 1, colon)).build();
    } catch (NumberFormatException e) {
      throw new MalformedMasterInfoException("not a UPID: " + pid, e);
    }
  }
}
