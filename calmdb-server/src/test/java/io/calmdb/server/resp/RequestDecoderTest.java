package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
  private static final int BULK_BYTES_MAX = 1024;

  private final RequestDecoder decoder = new RequestDecoder(BULK_BYTES_MAX, 8, 64, 4096);

  private static ByteBuf bytes(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }

  private static List<String> strings(byte[][] arguments) {
    return Arrays.stream(arguments).map(argument -> new String(argument, StandardCharsets.ISO_8859_1)).toList();
  }

  @Test
  void multibulk_decodesArgumentsInOrder() throws Exception {
    ByteBuf buffer = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    assertThat(strings(decoder.decode(buffer))).containsExactly("SET", "k", "");
    assertThat(buffer.isReadable()).isFalse();
  }

  @Test
  void multibulk_fedOneByteAtATime_completesOnlyWithTheLastByte() throws Exception {
    String request = "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
    ByteBuf buffer = Unpooled.buffer();
    for (int index = 0; index < request.length() - 1; index++) {
      buffer.writeByte(request.charAt(index));
      assertThat(decoder.decode(buffer)).as("after %d bytes", index + 1).isNull();
    }
    buffer.writeByte(request.charAt(request.length() - 1));
    assertThat(strings(decoder.decode(buffer))).containsExactly("GET", "hello");
  }

  @Test
  void multibulk_splitAtEveryPosition_decodesTheSameCommands() throws Exception {
    String stream = "*1\r\n$4\r\nPING\r\nECHO \"a b\"\r\n*2\r\n$4\r\nECHO\r\n$2\r\nxy\r\n";
    for (int split = 0; split <= stream.length(); split++) {
      RequestDecoder fresh = new RequestDecoder(BULK_BYTES_MAX, 8, 64, 4096);
      ByteBuf buffer = bytes(stream.substring(0, split));
      List<List<String>> decoded = new ArrayList<>();
      byte[][] command;
      while ((command = fresh.decode(buffer)) != null) {
        decoded.add(strings(command));
      }
      buffer.writeBytes(stream.substring(split).getBytes(StandardCharsets.ISO_8859_1));
      while ((command = fresh.decode(buffer)) != null) {
        decoded.add(strings(command));
      }
      assertThat(decoded).as("split at %d", split)
          .containsExactly(List.of("PING"), List.of("ECHO", "a b"), List.of("ECHO", "xy"));
    }
  }

  @Test
  void emptyAndNullArrays_areSkippedLikeRedis() throws Exception {
    assertThat(strings(decoder.decode(bytes("*0\r\n*-1\r\n\r\n   \r\n*1\r\n$4\r\nPING\r\n")))).containsExactly("PING");
  }

  @Test
  void bulkLengthHeader_aboveTheBound_isRefusedBeforeAnyPayloadArrives() {
    assertThatThrownBy(() -> decoder.decode(bytes("*2\r\n$3\r\nGET\r\n$999999999999\r\n")))
        .isInstanceOf(RespProtocolException.class).hasMessage("invalid bulk length");
    RequestDecoder other = new RequestDecoder(BULK_BYTES_MAX, 8, 64, 4096);
    assertThatThrownBy(() -> other.decode(bytes("*1\r\n$" + (BULK_BYTES_MAX + 1) + "\r\n")))
        .isInstanceOf(RespProtocolException.class).hasMessage("invalid bulk length");
  }

  @Test
  void bulkLengthHeader_withinTheBound_waitsWithoutReservingThePayload() throws Exception {
    ByteBuf buffer = bytes("*1\r\n$1000\r\nabc");
    assertThat(decoder.decode(buffer)).isNull();
    // The decoder keeps only the bytes that arrived: the buffer did not grow towards the announced 1000 bytes.
    assertThat(buffer.capacity()).isLessThan(1000);
  }

  @Test
  void malformedLengths_areProtocolErrorsWithRedisWording() {
    String[][] cases = {
        {"*-5\r\n", "invalid multibulk length"},
        {"*9\r\n", "invalid multibulk length"},
        {"*99999999999999999999\r\n", "invalid multibulk length"},
        {"*1x\r\n", "invalid multibulk length"},
        {"*01\r\n", "invalid multibulk length"},
        {"*+1\r\n", "invalid multibulk length"},
        {"*\r\n", "invalid multibulk length"},
        {"*1\r\n$-1\r\n", "invalid bulk length"},
        {"*1\r\n$-2\r\n", "invalid bulk length"},
        {"*1\r\n$9223372036854775808\r\n", "invalid bulk length"},
        {"*1\r\n:5\r\n", "expected '$', got ':'"},
        {"*1\r\n\u0000\r\n", "expected '$', got '\\x00'"},
        {"*1\r\n$3\r\nabcXY", "expected CRLF after bulk string of 3 bytes"},
        {"*1234567890123456789012345678901234567890", "too big mbulk count string"},
        {"*1\r\n$1234567890123456789012345678901234567890", "too big bulk count string"},
        {"*1\r\n$3\rX", "invalid bulk length"},
        {"ECHO \"unbalanced\n", "unbalanced quotes in request"},
        {"ECHO \"a\"b\n", "unbalanced quotes in request"},
        {"x".repeat(65), "too big inline request"},
        // Found by RespDecoderFuzzTest: the argument bound (8 here) holds for inline commands too.
        {"a b c d e f g h i\n", "invalid multibulk length"},
    };
    for (String[] testCase : cases) {
      RequestDecoder fresh = new RequestDecoder(BULK_BYTES_MAX, 8, 64, 4096);
      assertThatThrownBy(() -> fresh.decode(bytes(testCase[0])))
          .as("input %s", testCase[0].replace("\r", "\\r").replace("\n", "\\n"))
          .isInstanceOf(RespProtocolException.class).hasMessage(testCase[1]);
    }
  }

  @Test
  void commandBytes_aboveTheBound_isAProtocolError() {
    RequestDecoder small = new RequestDecoder(BULK_BYTES_MAX, 8, 64, 1500);
    String payload = "a".repeat(1000);
    assertThatThrownBy(() -> small.decode(bytes("*3\r\n$3\r\nSET\r\n$1000\r\n" + payload + "\r\n$1000\r\n")))
        .isInstanceOf(RespProtocolException.class).hasMessage("command exceeds 1500 bytes");
  }

  @Test
  void inline_splitsLikeRedisSdssplitargs() throws Exception {
    assertThat(strings(decoder.decode(bytes("set  k \"a\\x41\\n\" 'it\\'s'\r\n"))))
        .containsExactly("set", "k", "aA\n", "it's");
    assertThat(strings(decoder.decode(bytes("PING\n")))).containsExactly("PING");
    assertThat(decoder.decode(bytes("PING"))).as("no line feed yet").isNull();
  }

  @Test
  void randomBytes_neverEscapeAsAnythingButCommandsOrProtocolErrors() {
    long seed = 20_240_601L;
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 2_000; round++) {
      byte[] garbage = new byte[1 + random.nextInt(512)];
      for (int index = 0; index < garbage.length; index++) {
        // Favour the protocol's own characters so the decoder's deeper states are reached.
        int pick = random.nextInt(8);
        garbage[index] = switch (pick) {
          case 0 -> (byte) '*';
          case 1 -> (byte) '$';
          case 2 -> (byte) '\r';
          case 3 -> (byte) '\n';
          case 4 -> (byte) ('0' + random.nextInt(10));
          case 5 -> (byte) '-';
          default -> (byte) random.nextInt(256);
        };
      }
      RequestDecoder fresh = new RequestDecoder(BULK_BYTES_MAX, 8, 64, 4096);
      ByteBuf buffer = Unpooled.wrappedBuffer(garbage);
      try {
        int commands = 0;
        while (fresh.decode(buffer) != null) {
          commands++;
          assertThat(commands).as("seed %d round %d", seed, round).isLessThanOrEqualTo(garbage.length);
        }
      } catch (RespProtocolException expected) {
        assertThat(expected.getMessage()).as("seed %d round %d", seed, round).isNotBlank();
      } catch (RuntimeException unexpected) {
        throw new AssertionError("seed " + seed + " round " + round + " input " + Arrays.toString(garbage),
            unexpected);
      }
    }
  }
}
