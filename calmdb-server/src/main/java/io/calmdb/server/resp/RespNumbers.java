package io.calmdb.server.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Strict decimal parsing with the rules of Redis's {@code string2ll}: an optional minus sign, then digits with no
 * leading zero (except "0" itself), no spaces, no plus sign, and no overflow. Being as strict as Redis means a
 * length header or an integer argument is accepted here exactly when Redis accepts it.
 */
final class RespNumbers {
  /** Returned by {@link #parse(ByteBuf, int, int)} for text that is not a valid integer. */
  static final long INVALID = Long.MIN_VALUE;
  /** The longest valid text: a minus sign and 19 digits. */
  private static final int DIGITS_MAX = 20;

  private RespNumbers() {}

  /**
   * Parses bytes {@code [from, to)} of {@code buffer}, or returns {@link #INVALID}. {@code Long.MIN_VALUE} itself is
   * reported as invalid, which is harmless for lengths, the only use on a buffer.
   */
  static long parse(ByteBuf buffer, int from, int to) {
    int length = to - from;
    if (length <= 0 || length > DIGITS_MAX) {
      return INVALID;
    }
    boolean negative = buffer.getByte(from) == '-';
    int index = negative ? from + 1 : from;
    if (index == to) {
      return INVALID;
    }
    byte first = buffer.getByte(index);
    if (first == '0') {
      return (index + 1 == to && !negative) ? 0 : INVALID;
    }
    long value = 0;
    for (; index < to; index++) {
      byte digit = buffer.getByte(index);
      if (digit < '0' || digit > '9') {
        return INVALID;
      }
      // Accumulate negatively: the negative range is one larger, and overflow is detected before it happens.
      if (value < (Long.MIN_VALUE + (digit - '0')) / 10) {
        return INVALID;
      }
      value = value * 10 - (digit - '0');
    }
    if (negative) {
      return value;
    }
    return value == Long.MIN_VALUE ? INVALID : -value;
  }

  /**
   * Parses a whole argument as a signed 64-bit integer.
   *
   * @throws NumberFormatException if it is not one under Redis's rules
   */
  static long parseLong(byte[] bytes) {
    if (bytes.length == 20 && new String(bytes, StandardCharsets.US_ASCII).equals("-9223372036854775808")) {
      return Long.MIN_VALUE;
    }
    long value = parse(io.netty.buffer.Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    if (value == INVALID) {
      throw new NumberFormatException("not an integer: " + new String(bytes, StandardCharsets.UTF_8));
    }
    return value;
  }
}
