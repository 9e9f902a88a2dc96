package org.masterha.masterinfo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads JSON into a protobuf message with the semantics of Mesos' {@code
 * ::protobuf::parse<T>(JSON::Object)} (stout's {@code protobuf.hpp}), and with errors that name the
 * field and the type it needs:
 *
 * <ul>
 *   <li>keys are proto field names; unknown keys are ignored at every level (a newer Mesos adds
 *       fields);
 *   <li>{@code null} leaves a field unset;
 *   <li>numbers must be JSON numbers (Mesos does not accept numeric strings, MESOS-5995), integral
 *       and in the field's range (Mesos would silently wrap an out-of-range value; a value that
 *       only wraps into range is not a MasterInfo anyone wrote);
 *   <li>enums must be value names; an unknown name leaves an optional field unset (proto2
 *       semantics, as Mesos does) and is an error for a required one;
 *   <li>required fields must all be present once parsing is done.
 * </ul>
 *
 * Stricter than Mesos' parser where the input is ambiguous or not JSON at all: the bytes must be
 * valid UTF-8, a key must not repeat, and a repeated field must be an array.
 */
final class MesosJsonReader {
  private static final ObjectReader JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .build()
          .reader();

  private MesosJsonReader() {}

  /**
   * Parses {@code json} into {@code builder}; the builder is left initialized or an exception is
   * thrown.
   */
  static void read(byte[] json, Message.Builder builder, String what) {
    String text = utf8(json, what);
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw new MalformedMasterInfoException(
          what + " is not valid JSON: " + e.getOriginalMessage() + where, e);
    }
    if (root == null || root.isMissingNode()) {
      throw new MalformedMasterInfoException(what + " is empty; expected a JSON object");
    }
    if (!root.isObject()) {
      throw new MalformedMasterInfoException(
          what + " must be a JSON object, got " + describe(root));
    }
    object(root, builder, "", what);
    if (!builder.isInitialized()) {
      throw new MalformedMasterInfoException(
          what
              + " is missing required field(s): "
              + String.join(", ", builder.findInitializationErrors()));
    }
  }

  static String utf8(byte[] data, String what) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(data);
    CharBuffer out = CharBuffer.allocate(data.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isUnderflow()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw new MalformedMasterInfoException(
          what
              + " is not valid UTF-8: invalid byte 0x"
              + String.format("%02X", data[in.position()] & 0xFF)
              + " at offset "
              + in.position());
    }
    return out.flip().toString();
  }

  private static void object(JsonNode object, Message.Builder builder, String prefix, String what) {
    for (Map.Entry<String, JsonNode> entry : object.properties()) {
      FieldDescriptor field = builder.getDescriptorForType().findFieldByName(entry.getKey());
      JsonNode value = entry.getValue();
      if (field == null || value.isNull()) {
        continue;
      }
      String path = prefix + field.getName();
      if (field.isRepeated()) {
        if (!value.isArray()) {
          throw wrongType(what, path, field, "an array of " + elements(field), value);
        }
        for (int i = 0; i < value.size(); i++) {
          JsonNode element = value.get(i);
          String elementPath = path + "[" + i + "]";
          if (element.isNull()) {
            throw wrongType(what, elementPath, field, expected(field), element);
          }
          Object converted = convert(element, field, builder, elementPath, what);
          if (converted != null) {
            builder.addRepeatedField(field, converted);
          }
        }
      } else {
        Object converted = convert(value, field, builder, path, what);
        if (converted != null) {
          builder.setField(field, converted);
        }
      }
    }
  }

  /**
   * The value for {@code field}, or null when proto2 drops it (an unknown name for an optional
   * enum).
   */
  private static Object convert(
      JsonNode value, FieldDescriptor field, Message.Builder parent, String path, String what) {
    switch (field.getType()) {
      case STRING -> {
        requireType(value.isTextual(), what, path, field, value);
        return value.textValue();
      }
      case BYTES -> {
        requireType(value.isTextual(), what, path, field, value);
        try {
          return ByteString.copyFrom(java.util.Base64.getDecoder().decode(value.textValue()));
        } catch (IllegalArgumentException e) {
          throw new MalformedMasterInfoException(
              what + ": field '" + path + "' is not valid base64: " + e.getMessage());
        }
      }
      case BOOL -> {
        requireType(value.isBoolean(), what, path, field, value);
        return value.booleanValue();
      }
      case UINT32, FIXED32 -> {
        return (int)
            integer(value, field, path, what, BigInteger.ZERO, BigInteger.valueOf(0xFFFF_FFFFL))
                .longValue();
      }
      case INT32, SINT32, SFIXED32 -> {
        return integer(
                value,
                field,
                path,
                what,
                BigInteger.valueOf(Integer.MIN_VALUE),
                BigInteger.valueOf(Integer.MAX_VALUE))
            .intValue();
      }
      case UINT64, FIXED64 -> {
        return integer(
                value,
                field,
                path,
                what,
                BigInteger.ZERO,
                BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE))
            .longValue();
      }
      case INT64, SINT64, SFIXED64 -> {
        return integer(
                value,
                field,
                path,
                what,
                BigInteger.valueOf(Long.MIN_VALUE),
                BigInteger.valueOf(Long.MAX_VALUE))
            .longValue();
      }
      case FLOAT -> {
        requireType(value.isNumber(), what, path, field, value);
        return value.floatValue();
      }
      case DOUBLE -> {
        requireType(value.isNumber(), what, path, field, value);
        return value.doubleValue();
      }
      case ENUM -> {
        requireType(value.isTextual(), what, path, field, value);
        EnumValueDescriptor named = field.getEnumType().findValueByName(value.textValue());
        if (named == null) {
          if (field.isRequired()) {
            throw new MalformedMasterInfoException(
                what
                    + ": field '"
                    + path
                    + "' has the unknown value '"
                    + Upid.printable(value.textValue())
                    + "'; accepted: "
                    + field.getEnumType().getValues().stream()
                        .map(EnumValueDescriptor::getName)
                        .toList());
          }
          return null;
        }
        return named;
      }
      case MESSAGE, GROUP -> {
        requireType(value.isObject(), what, path, field, value);
        Message.Builder child = parent.newBuilderForField(field);
        object(value, child, path + ".", what);
        return child.buildPartial();
      }
    }
    throw new AssertionError("unhandled field type " + field.getType());
  }

  private static BigInteger integer(
      JsonNode value,
      FieldDescriptor field,
      String path,
      String what,
      BigInteger min,
      BigInteger max) {
    requireType(value.isNumber(), what, path, field, value);
    BigDecimal number = value.decimalValue();
    // Compare before converting: BigDecimal compares by magnitude first, so "1e999999999" costs
    // nothing here.
    if (number.compareTo(new BigDecimal(min)) < 0 || number.compareTo(new BigDecimal(max)) > 0) {
      throw new MalformedMasterInfoException(
          what
              + ": field '"
              + path
              + "' must be "
              + expected(field)
              + ", got "
              + value.asText()
              + ", which is out of range");
    }
    BigDecimal stripped = number.stripTrailingZeros();
    if (stripped.scale() > 0) {
      throw new MalformedMasterInfoException(
          what
              + ": field '"
              + path
              + "' must be "
              + expected(field)
              + ", got "
              + value.asText()
              + ", which is not a whole number");
    }
    // An integral float such as 16777343.0 is accepted: Mesos' own parser takes any JSON number
    // here.
    return stripped.toBigIntegerExact();
  }

  private static void requireType(
      boolean ok, String what, String path, FieldDescriptor field, JsonNode value) {
    if (!ok) {
      throw wrongType(what, path, field, expected(field), value);
    }
  }

  private static MalformedMasterInfoException wrongType(
      String what, String path, FieldDescriptor field, String expected, JsonNode got) {
    return new MalformedMasterInfoException(
        what + ": field '" + path + "' must be " + expected + ", got " + describe(got));
  }

  private static String expected(FieldDescriptor field) {
    return switch (field.getType()) {
      case STRING -> "a string";
      case BYTES -> "a base64 string";
      case BOOL -> "true or false";
      case UINT32, FIXED32 -> "a number from 0 to 4294967295 (uint32)";
      case INT32, SINT32, SFIXED32 -> "a number from -2147483648 to 2147483647 (int32)";
      case UINT64, FIXED64 -> "a number from 0 to 18446744073709551615 (uint64)";
      case INT64, SINT64, SFIXED64 ->
          "a number from -9223372036854775808 to 9223372036854775807 (int64)";
      case FLOAT, DOUBLE -> "a number";
      case ENUM -> "a string naming a " + field.getEnumType().getName() + " value";
      case MESSAGE, GROUP -> "an object (" + field.getMessageType().getName() + ")";
    };
  }

  private static String elements(FieldDescriptor field) {
    return switch (field.getType()) {
      case STRING, BYTES -> "strings";
      case BOOL -> "booleans";
      case ENUM -> field.getEnumType().getName() + " value names";
      case MESSAGE, GROUP -> field.getMessageType().getName() + " objects";
      default -> "numbers";
    };
  }

  private static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "the number " + node.asText();
      case BOOLEAN -> node.asText();
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case NULL -> "null";
      default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
