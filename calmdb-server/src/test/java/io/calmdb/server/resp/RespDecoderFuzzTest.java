package io.calmdb.server.resp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes the RESP request decoder (issue 11): any bytes, fed whole and split at a point the input chooses, either
 * decode into commands within the bounds or raise {@link RespProtocolException}; nothing else is thrown, and no
 * argument is larger than the bounds allow. Run long with {@code JAZZER_FUZZ=1} (docs/security.md, "Fuzzing").
 */
public class RespDecoderFuzzTest {
  private static final int BULK_BYTES_MAX = 4096;
  private static final int ARGUMENTS_MAX = 64;

  @FuzzTest(maxDuration = "30m", maxExecutions = 1_000_000)
  void requests(byte[] input) {
    RequestDecoder decoder = new RequestDecoder(BULK_BYTES_MAX, ARGUMENTS_MAX, 1024, 4L * BULK_BYTES_MAX);
    if (input.length > 0 && (input[0] & 1) == 1) {
      decoder.unauthenticatedBounds(16, 10);
    }
    int split = input.length == 0 ? 0 : (input[input.length - 1] & 0xff) % (input.length + 1);
    ByteBuf buffer = Unpooled.buffer();
    try {
      buffer.writeBytes(input, 0, split);
      drain(decoder, buffer);
      buffer.writeBytes(input, split, input.length - split);
      drain(decoder, buffer);
    } catch (RespProtocolException expected) {
      // A protocol error: the connection would be closed with it.
    } finally {
      buffer.release();
    }
  }

  private static void drain(RequestDecoder decoder, ByteBuf buffer) throws RespProtocolException {
    while (true) {
      byte[][] command = decoder.decode(buffer);
      if (command == null) {
        return;
      }
      if (command.length == 0 || command.length > ARGUMENTS_MAX) {
        throw new AssertionError("decoded " + command.length + " arguments");
      }
      for (byte[] argument : command) {
        if (argument.length > Math.max(BULK_BYTES_MAX, 1024)) {
          throw new AssertionError("decoded an argument of " + argument.length + " bytes");
        }
      }
    }
  }

  /** Valid and nearly valid requests, the seeds of the committed corpus. */
  public static List<byte[]> seeds() {
    return List.of(bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"), bytes("PING\r\n"),
        bytes("SET \"a b\" 'c'\r\n"), bytes("*2\r\n$3\r\nGET\r\n$99\r\n"), bytes("*-1\r\n*0\r\n"),
        bytes("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }
}
