package io.calmdb.server.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The implementations of {@link Reply} and their RESP2 and RESP3 encodings.
 *
 * <p>Each reply writes itself with {@link #write(Reply, ByteBuf, int)}. The protocol version is passed in rather
 * than stored, because the same reply value (a shared {@code +OK}, a cached integer) is written to connections
 * speaking different versions.
 */
final class RespReplies {
  /** RESP2, the protocol every connection starts with. */
  static final int PROTOCOL_2 = 2;
  /** RESP3, chosen by {@code HELLO 3}. */
  static final int PROTOCOL_3 = 3;

  private static final byte[] CRLF = {'\r', '\n'};
  /** Integers in this range are allocated once: counters and lengths are mostly small. */
  private static final int SHARED_INTEGER_MIN = -1;
  private static final int SHARED_INTEGER_MAX = 1023;
  private static final IntegerReply[] SHARED_INTEGERS = new IntegerReply[SHARED_INTEGER_MAX - SHARED_INTEGER_MIN + 1];

  static {
    for (int value = SHARED_INTEGER_MIN; value <= SHARED_INTEGER_MAX; value++) {
      SHARED_INTEGERS[value - SHARED_INTEGER_MIN] = new IntegerReply(value);
    }
  }

  static final SimpleString OK = new SimpleString("OK");
  static final NullReply NULL_BULK = new NullReply(false);
  static final NullReply NULL_ARRAY = new NullReply(true);
  static final BooleanReply TRUE = new BooleanReply(true);
  static final BooleanReply FALSE = new BooleanReply(false);

  private RespReplies() {}

  static IntegerReply integer(long value) {
    if (value >= SHARED_INTEGER_MIN && value <= SHARED_INTEGER_MAX) {
      return SHARED_INTEGERS[(int) value - SHARED_INTEGER_MIN];
    }
    return new IntegerReply(value);
  }

  /** Writes {@code reply} in the given protocol version (2 or 3). */
  static void write(Reply reply, ByteBuf out, int protocol) {
    switch (reply) {
      case SimpleString simple -> writeLine(out, '+', simple.bytes);
      case ErrorReply error -> writeLine(out, '-', error.bytes);
      case IntegerReply integer -> writeNumberLine(out, ':', integer.value);
      case BulkReply bulk -> writeBulk(out, bulk.value);
      case NullReply nullReply -> {
        if (protocol == PROTOCOL_3) {
          out.writeByte('_').writeBytes(CRLF);
        } else {
          writeNumberLine(out, nullReply.array ? '*' : '$', -1);
        }
      }
      case ArrayReply array -> writeAggregate(out, '*', array.elements.size(), array.elements, protocol);
      case PushReply push -> writeAggregate(out, protocol == PROTOCOL_3 ? '>' : '*', push.elements.size(),
          push.elements, protocol);
      case FramesReply frames -> {
        for (Reply frame : frames.replies) {
          write(frame, out, protocol);
        }
      }
      case SetReply set -> writeAggregate(out, protocol == PROTOCOL_3 ? '~' : '*', set.elements.size(), set.elements,
          protocol);
      case MapReply map -> {
        if (protocol == PROTOCOL_3) {
          writeAggregate(out, '%', map.keysAndValues.size() / 2, map.keysAndValues, protocol);
        } else {
          writeAggregate(out, '*', map.keysAndValues.size(), map.keysAndValues, protocol);
        }
      }
      case DoubleReply doubleReply -> {
        byte[] text = formatDouble(doubleReply.value).getBytes(StandardCharsets.US_ASCII);
        if (protocol == PROTOCOL_3) {
          writeLine(out, ',', text);
        } else {
          writeBulk(out, text);
        }
      }
      case BooleanReply booleanReply -> {
        if (protocol == PROTOCOL_3) {
          out.writeByte('#').writeByte(booleanReply.value ? 't' : 'f').writeBytes(CRLF);
        } else {
          writeNumberLine(out, ':', booleanReply.value ? 1 : 0);
        }
      }
      case VerbatimReply verbatim -> {
        if (protocol == PROTOCOL_3) {
          byte[] format = verbatim.format.getBytes(StandardCharsets.US_ASCII);
          writeNumberLine(out, '=', format.length + 1L + verbatim.text.length);
          out.writeBytes(format).writeByte(':').writeBytes(verbatim.text).writeBytes(CRLF);
        } else {
          writeBulk(out, verbatim.text);
        }
      }
    }
  }

  private static void writeAggregate(ByteBuf out, char marker, int count, List<Reply> elements, int protocol) {
    writeNumberLine(out, marker, count);
    for (Reply element : elements) {
      write(element, out, protocol);
    }
  }

  private static void writeBulk(ByteBuf out, byte[] value) {
    writeNumberLine(out, '$', value.length);
    out.writeBytes(value).writeBytes(CRLF);
  }

  private static void writeLine(ByteBuf out, char marker, byte[] text) {
    out.writeByte(marker).writeBytes(text).writeBytes(CRLF);
  }

  /** Writes {@code marker}, the decimal digits of {@code value} and CRLF without building a string. */
  static void writeNumberLine(ByteBuf out, char marker, long value) {
    out.writeByte(marker);
    if (value == Long.MIN_VALUE) {
      out.writeCharSequence("-9223372036854775808", StandardCharsets.US_ASCII);
    } else {
      if (value < 0) {
        out.writeByte('-');
        value = -value;
      }
      long divisor = 1;
      while (divisor <= value / 10) {
        divisor *= 10;
      }
      for (; divisor > 0; divisor /= 10) {
        out.writeByte((int) ('0' + (value / divisor) % 10));
      }
    }
    out.writeBytes(CRLF);
  }

  /**
   * Formats a double the way Redis 7 does: integral values without a fraction ({@code 3}, not {@code 3.0}),
   * {@code inf}, {@code -inf} and {@code nan} for the special values, otherwise the shortest text that reads
   * back to the same double.
   */
  static String formatDouble(double value) {
    if (Double.isNaN(value)) {
      return "nan";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "inf" : "-inf";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e17) {
      return Long.toString((long) value);
    }
    return Double.toString(value).replace('E', 'e');
  }

  /** Replaces CR and LF by spaces, as Redis's addReplyError does, so a message can never break the framing. */
  private static byte[] sanitizedLine(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int index = 0; index < bytes.length; index++) {
      if (bytes[index] == '\r' || bytes[index] == '\n') {
        bytes[index] = ' ';
      }
    }
    return bytes;
  }

  static final class SimpleString implements Reply {
    final byte[] bytes;

    SimpleString(String text) {
      Objects.requireNonNull(text, "text");
      if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("text of a simple string must not contain CR or LF: " + text);
      }
      this.bytes = text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "+" + new String(bytes, StandardCharsets.UTF_8);
    }
  }

  static final class ErrorReply implements Reply {
    final byte[] bytes;

    ErrorReply(String message) {
      Objects.requireNonNull(message, "message");
      if (message.isEmpty()) {
        throw new IllegalArgumentException("message of an error reply must not be empty");
      }
      this.bytes = sanitizedLine(message);
    }

    /** The message as sent, including the error code such as {@code ERR}. */
    String message() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "-" + message();
    }
  }

  static final class IntegerReply implements Reply {
    final long value;

    IntegerReply(long value) {
      this.value = value;
    }

    @Override
    public String toString() {
      return ":" + value;
    }
  }

  static final class BulkReply implements Reply {
    final byte[] value;

    BulkReply(byte[] value) {
      this.value = value;
    }

    @Override
    public String toString() {
      return "$" + new String(value, StandardCharsets.UTF_8);
    }
  }

  static final class NullReply implements Reply {
    final boolean array;

    NullReply(boolean array) {
      this.array = array;
    }

    @Override
    public String toString() {
      return array ? "(nil array)" : "(nil)";
    }
  }

  static final class ArrayReply implements Reply {
    final List<Reply> elements;

    ArrayReply(List<Reply> elements) {
      this.elements = elements;
    }

    @Override
    public String toString() {
      return elements.toString();
    }
  }

  static final class PushReply implements Reply {
    final List<Reply> elements;

    PushReply(List<Reply> elements) {
      this.elements = elements;
    }

    @Override
    public String toString() {
      return ">" + elements;
    }
  }

  static final class FramesReply implements Reply {
    final List<Reply> replies;

    FramesReply(List<Reply> replies) {
      this.replies = replies;
    }

    @Override
    public String toString() {
      return "frames" + replies;
    }
  }

  static final class MapReply implements Reply {
    final List<Reply> keysAndValues;

    MapReply(List<Reply> keysAndValues) {
      this.keysAndValues = keysAndValues;
    }

    @Override
    public String toString() {
      return "map" + keysAndValues;
    }
  }

  static final class SetReply implements Reply {
    final List<Reply> elements;

    SetReply(List<Reply> elements) {
      this.elements = elements;
    }

    @Override
    public String toString() {
      return "set" + elements;
    }
  }

  static final class DoubleReply implements Reply {
    final double value;

    DoubleReply(double value) {
      this.value = value;
    }

    @Override
    public String toString() {
      return "," + formatDouble(value);
    }
  }

  static final class BooleanReply implements Reply {
    final boolean value;

    BooleanReply(boolean value) {
      this.value = value;
    }

    @Override
    public String toString() {
      return value ? "#t" : "#f";
    }
  }

  static final class VerbatimReply implements Reply {
    final String format;
    final byte[] text;

    VerbatimReply(String format, String text) {
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(text, "text");
      if (format.length() != 3 || !format.chars().allMatch(character -> character >= 'a' && character <= 'z')) {
        throw new IllegalArgumentException("format must be three lower-case ASCII letters such as txt, got '"
            + format + "'");
      }
      this.format = format;
      this.text = text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "=" + format + ":" + new String(text, StandardCharsets.UTF_8);
    }
  }
}
