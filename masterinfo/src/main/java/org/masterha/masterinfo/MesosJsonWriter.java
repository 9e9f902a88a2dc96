package org.masterha.masterinfo;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a protobuf message the way Mesos' {@code stringify(JSON::protobuf(message))} does (stout's
 * {@code protobuf.hpp} and {@code json.hpp}), byte for byte.
 *
 * <p>A hand-written writer, not Jackson's generator: the output must match stout's escaping
 * exactly, in either {@link MesosJsonDialect}, and must not change when a library upgrade changes
 * its own choices.
 *
 * <ul>
 *   <li>Fields: every repeated field with at least one element, and every singular field that is
 *       set <em>or</em> has an explicit {@code [default = ...]} and is not deprecated (stout writes
 *       those defaults even when unset; in MasterInfo that is only {@code port}, which is required
 *       anyway).
 *   <li>Keys: the proto field names, sorted byte-wise ({@code JSON::Object} is a {@code std::map}).
 *   <li>Values: strings escaped per dialect; 32/64-bit integers in decimal, unsigned types
 *       unsigned; booleans; enums by value name; bytes as standard base64 with padding; messages as
 *       objects; repeated fields as arrays. No white space anywhere.
 * </ul>
 */
final class MesosJsonWriter {
  private static final byte[] HEX_UPPER = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEX_LOWER = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final MesosJsonDialect dialect;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  private MesosJsonWriter(MesosJsonDialect dialect) {
    this.dialect = dialect;
  }

  static byte[] write(Message message, MesosJsonDialect dialect) {
    MesosJsonWriter writer = new MesosJsonWriter(dialect);
    writer.message(message);
    return writer.out.toByteArray();
  }

  private void message(Message message) {
    List<FieldDescriptor> fields = new ArrayList<>();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.isRepeated()) {
        if (message.getRepeatedFieldCount(field) > 0) {
          fields.add(field);
        }
      } else if (message.hasField(field)
          || (field.hasDefaultValue() && !field.getOptions().getDeprecated())) {
        fields.add(field);
      }
    }
    // std::map<std::string, ...> orders by unsigned bytes; proto field names are ASCII identifiers,
    // for which
    // String order is the same.
    fields.sort(Comparator.comparing(FieldDescriptor::getName));

    out.write('{');
    boolean first = true;
    for (FieldDescriptor field : fields) {
      if (!first) {
        out.write(',');
      }
      first = false;
      string(field.getName());
      out.write(':');
      if (field.isRepeated()) {
        out.write('[');
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
          if (i > 0) {
            out.write(',');
          }
          value(field, message.getRepeatedField(field, i));
        }
        out.write(']');
      } else {
        value(field, message.getField(field));
      }
    }
    out.write('}');
  }

  private void value(FieldDescriptor field, Object value) {
    switch (field.getType()) {
      case UINT32, FIXED32 -> ascii(Integer.toUnsignedString((Integer) value));
      case INT32, SINT32, SFIXED32 -> ascii(Integer.toString((Integer) value));
      case UINT64, FIXED64 -> ascii(Long.toUnsignedString((Long) value));
      case INT64, SINT64, SFIXED64 -> ascii(Long.toString((Long) value));
      case BOOL -> ascii((Boolean) value ? "true" : "false");
      case STRING -> string((String) value);
      case BYTES -> string(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> string(((EnumValueDescriptor) value).getName());
      case MESSAGE, GROUP -> message((Message) value);
      // Neither Mesos dialect's floating-point text (printf "%#.15g" trimmed, or rapidjson's Grisu)
      // is
      // reproduced here, and MasterInfo has no such field: refuse rather than write something not
      // Mesos-exact.
      case FLOAT, DOUBLE ->
          throw new IllegalArgumentException(
              "field '"
                  + field.getFullName()
                  + "' is floating point, which the Mesos-exact JSON writer does not support");
    }
  }

  private void ascii(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  /** A JSON string: stout and rapidjson both escape byte by byte over the UTF-8 encoding. */
  private void string(String s) {
    out.write('"');
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (dialect == MesosJsonDialect.RAPIDJSON) {
        rapidjsonByte(c);
      } else {
        stoutLegacyByte(c);
      }
    }
    out.write('"');
  }

  private void rapidjsonByte(int c) {
    switch (c) {
      case '"' -> escape('"');
      case '\\' -> escape('\\');
      case '\b' -> escape('b');
      case '\t' -> escape('t');
      case '\n' -> escape('n');
      case '\f' -> escape('f');
      case '\r' -> escape('r');
      default -> {
        if (c < 0x20) {
          unicodeEscape(c, HEX_UPPER);
        } else {
          out.write(c);
        }
      }
    }
  }

  private void stoutLegacyByte(int c) {
    switch (c) {
      case '"' -> escape('"');
      case '\\' -> escape('\\');
      case '/' -> escape('/');
      case '\b' -> escape('b');
      case '\f' -> escape('f');
      case '\n' -> escape('n');
      case '\r' -> escape('r');
      case '\t' -> escape('t');
      default -> {
        if (c < 0x20 || c == 0x7F) {
          unicodeEscape(c, HEX_LOWER);
        } else {
          out.write(c);
        }
      }
    }
  }

  private void escape(char c) {
    out.write('\\');
    out.write(c);
  }

  private void unicodeEscape(int c, byte[] hex) {
    out.write('\\');
    out.write('u');
    out.write('0');
    out.write('0');
    out.write(hex[c >> 4]);
    out.write(hex[c & 0xF]);
  }
}
