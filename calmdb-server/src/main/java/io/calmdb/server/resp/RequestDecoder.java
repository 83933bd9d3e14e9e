package io.calmdb.server.resp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;

/**
 * Decodes client requests (RESP multibulk arrays of bulk strings, or inline command lines) from a growing buffer,
 * one command at a time, keeping its progress between calls so a command split over many network reads is
 * scanned once.
 *
 * <p>Safety against hostile input rests on three rules. A length header is only a promise: the decoder never
 * reserves memory for it, it waits until the bytes have really arrived and only then copies them out, so
 * {@code $999999999999} costs nothing before it is refused. Every line it searches for a terminator is bounded
 * ({@link #LENGTH_LINE_BYTES_MAX}, the inline bound), so garbage without a line feed cannot make it buffer
 * without limit. Every declared length is checked against its bound as soon as its header is complete. Error
 * details follow Redis's {@code processMultibulkBuffer} and {@code processInlineBuffer} wording.
 *
 * <p>Not thread-safe: one instance per connection, used on its event loop.
 */
final class RequestDecoder {
  /**
   * The longest length line ({@code *<count>} or {@code $<length>}) searched for its CR LF: a marker, a sign,
   * nineteen digits and CR LF fit in 23 bytes, so anything longer is garbage. Redis searches up to 64 KiB but
   * reports such lines as errors all the same.
   */
  static final int LENGTH_LINE_BYTES_MAX = 32;
  /** Arguments lists are grown as arguments arrive, starting at most this large, never sized from the header. */
  private static final int ARGUMENTS_CAPACITY_INITIAL_MAX = 16;

  private final int bulkBytesMax;
  private final int multibulkArgumentsMax;
  private final int inlineBytesMax;
  private final long commandBytesMax;

  /** Arguments still expected in the current multibulk request, or -1 between requests. */
  private long argumentsExpected = -1;
  /** Length of the bulk string whose header was read and whose payload is awaited, or -1. */
  private long bulkLengthPending = -1;
  private long commandBytes;
  private ArrayList<byte[]> arguments;
  /** Bytes of the arguments of the current, incomplete command decoded so far. */
  private long argumentBytesHeld;
  /** The tighter bounds of a connection that has not authenticated, or 0 when it has. */
  private int unauthenticatedBulkBytesMax;
  private int unauthenticatedArgumentsMax;

  RequestDecoder(int bulkBytesMax, int multibulkArgumentsMax, int inlineBytesMax, long commandBytesMax) {
    this.bulkBytesMax = bulkBytesMax;
    this.multibulkArgumentsMax = multibulkArgumentsMax;
    this.inlineBytesMax = inlineBytesMax;
    this.commandBytesMax = commandBytesMax;
  }

  /**
   * Applies Redis 7's bounds for clients that have not authenticated ({@code bulkBytes}, {@code argumentCount}), or
   * lifts them when both are 0.
   */
  void unauthenticatedBounds(int bulkBytes, int argumentCount) {
    unauthenticatedBulkBytesMax = bulkBytes;
    unauthenticatedArgumentsMax = argumentCount;
  }

  /** The bytes of the arguments of a partly received command that this decoder holds. */
  long argumentBytesHeld() {
    return argumentBytesHeld;
  }

  static RequestDecoder of(RespServerConfig config) {
    return new RequestDecoder(config.bulkBytesMax(), config.multibulkArgumentsMax(), config.inlineBytesMax(),
        config.commandBytesMax());
  }

  /**
   * Consumes one complete command from {@code buffer} and returns its arguments (index 0 is the name), or returns
   * null when the buffer holds no complete command yet; the bytes of a partial command are consumed as far as
   * they form whole arguments. Empty requests ({@code *0}, {@code *-1}, blank lines) are skipped as Redis skips
   * them.
   *
   * @throws RespProtocolException if the bytes break the protocol or a bound; the decoder is then unusable
   */
  byte[][] decode(ByteBuf buffer) throws RespProtocolException {
    while (true) {
      if (argumentsExpected < 0) {
        if (!buffer.isReadable()) {
          return null;
        }
        if (buffer.getByte(buffer.readerIndex()) != '*') {
          byte[][] inline = decodeInline(buffer);
          if (inline == null) {
            return null;
          }
          if (inline.length == 0) {
            continue;
          }
          return inline;
        }
        long count = readLengthLine(buffer, "too big mbulk count string", "invalid multibulk length");
        if (count == RespNumbers.INVALID) {
          return null;
        }
        if (count < -1 || count > multibulkArgumentsMax) {
          throw new RespProtocolException("invalid multibulk length");
        }
        if (unauthenticatedArgumentsMax > 0 && count > unauthenticatedArgumentsMax) {
          throw new RespProtocolException("unauthenticated multibulk length");
        }
        if (count <= 0) {
          continue;
        }
        argumentsExpected = count;
        commandBytes = 0;
        arguments = new ArrayList<>((int) Math.min(count, ARGUMENTS_CAPACITY_INITIAL_MAX));
      }
      while (arguments.size() < argumentsExpected) {
        if (bulkLengthPending < 0) {
          if (!buffer.isReadable()) {
            return null;
          }
          byte marker = buffer.getByte(buffer.readerIndex());
          if (marker != '$') {
            throw new RespProtocolException("expected '$', got '" + printable(marker) + "'");
          }
          long length = readLengthLine(buffer, "too big bulk count string", "invalid bulk length");
          if (length == RespNumbers.INVALID) {
            return null;
          }
          if (length < 0 || length > bulkBytesMax) {
            throw new RespProtocolException("invalid bulk length");
          }
          if (unauthenticatedBulkBytesMax > 0 && length > unauthenticatedBulkBytesMax) {
            throw new RespProtocolException("unauthenticated bulk length");
          }
          commandBytes += length;
          if (commandBytes > commandBytesMax) {
            throw new RespProtocolException("command exceeds " + commandBytesMax + " bytes");
          }
          bulkLengthPending = length;
        }
        // Wait for the whole payload and its CR LF; only now is memory of the declared size reserved.
        if (buffer.readableBytes() < bulkLengthPending + 2) {
          return null;
        }
        byte[] argument = new byte[(int) bulkLengthPending];
        buffer.readBytes(argument);
        if (buffer.readByte() != '\r' || buffer.readByte() != '\n') {
          throw new RespProtocolException("expected CRLF after bulk string of " + bulkLengthPending + " bytes");
        }
        arguments.add(argument);
        argumentBytesHeld += argument.length;
        bulkLengthPending = -1;
      }
      byte[][] complete = arguments.toArray(new byte[0][]);
      arguments = null;
      argumentsExpected = -1;
      argumentBytesHeld = 0;
      return complete;
    }
  }

  /**
   * Reads a line {@code <marker><decimal>\r\n} and returns the number, or {@link RespNumbers#INVALID} when the line
   * is not complete yet (nothing is consumed then).
   */
  private static long readLengthLine(ByteBuf buffer, String tooLongDetail, String invalidDetail)
      throws RespProtocolException {
    int start = buffer.readerIndex();
    int searchEnd = start + Math.min(buffer.readableBytes(), LENGTH_LINE_BYTES_MAX);
    int carriageReturn = buffer.indexOf(start, searchEnd, (byte) '\r');
    if (carriageReturn < 0) {
      if (buffer.readableBytes() >= LENGTH_LINE_BYTES_MAX) {
        throw new RespProtocolException(tooLongDetail);
      }
      return RespNumbers.INVALID;
    }
    if (carriageReturn + 1 >= buffer.writerIndex()) {
      return RespNumbers.INVALID;
    }
    if (buffer.getByte(carriageReturn + 1) != '\n') {
      throw new RespProtocolException(invalidDetail);
    }
    long value = RespNumbers.parse(buffer, start + 1, carriageReturn);
    if (value == RespNumbers.INVALID) {
      throw new RespProtocolException(invalidDetail);
    }
    buffer.readerIndex(carriageReturn + 2);
    return value;
  }

  /** Decodes an inline command line, or returns null while its line feed has not arrived. */
  private byte[][] decodeInline(ByteBuf buffer) throws RespProtocolException {
    int start = buffer.readerIndex();
    int searchEnd = start + Math.min(buffer.readableBytes(), inlineBytesMax + 1);
    int lineFeed = buffer.indexOf(start, searchEnd, (byte) '\n');
    if (lineFeed < 0) {
      if (buffer.readableBytes() > inlineBytesMax) {
        throw new RespProtocolException("too big inline request");
      }
      return null;
    }
    int end = lineFeed;
    if (end > start && buffer.getByte(end - 1) == '\r') {
      end--;
    }
    byte[] line = new byte[end - start];
    buffer.getBytes(start, line);
    buffer.readerIndex(lineFeed + 1);
    byte[][] split = InlineSplitter.split(line);
    if (split == null) {
      throw new RespProtocolException("unbalanced quotes in request");
    }
    // The argument bounds hold for inline commands too (found by RespDecoderFuzzTest): a 64 KiB line of short
    // words is otherwise a command of thousands of arguments, before authentication as well.
    int argumentsMax = unauthenticatedArgumentsMax > 0 ? unauthenticatedArgumentsMax : multibulkArgumentsMax;
    if (split.length > argumentsMax) {
      throw new RespProtocolException(unauthenticatedArgumentsMax > 0 ? "unauthenticated multibulk length"
          : "invalid multibulk length");
    }
    return split;
  }

  /** A byte as Redis would show it in an error, but escaped when it is not printable ASCII. */
  private static String printable(byte value) {
    if (value >= 0x21 && value <= 0x7e) {
      return String.valueOf((char) value);
    }
    return String.format("\\x%02x", value & 0xff);
  }
}
