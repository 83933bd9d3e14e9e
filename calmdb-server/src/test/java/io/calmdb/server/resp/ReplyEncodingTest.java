package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplyEncodingTest {
  private static String encode(Reply reply, int protocol) {
    ByteBuf buffer = Unpooled.buffer();
    RespReplies.write(reply, buffer, protocol);
    return buffer.toString(StandardCharsets.UTF_8);
  }

  @Test
  void scalars_encodeAlikeInBothProtocols() {
    for (int protocol : new int[] {2, 3}) {
      assertThat(encode(Reply.ok(), protocol)).isEqualTo("+OK\r\n");
      assertThat(encode(Reply.error("ERR boom"), protocol)).isEqualTo("-ERR boom\r\n");
      assertThat(encode(Reply.integer(-42), protocol)).isEqualTo(":-42\r\n");
      assertThat(encode(Reply.integer(Long.MIN_VALUE), protocol)).isEqualTo(":-9223372036854775808\r\n");
      assertThat(encode(Reply.integer(Long.MAX_VALUE), protocol)).isEqualTo(":9223372036854775807\r\n");
      assertThat(encode(Reply.integer(0), protocol)).isEqualTo(":0\r\n");
      assertThat(encode(Reply.bulk("héllo"), protocol)).isEqualTo("$6\r\nhéllo\r\n");
      assertThat(encode(Reply.bulk(new byte[0]), protocol)).isEqualTo("$0\r\n\r\n");
    }
  }

  @Test
  void nullsBooleansAndDoubles_followTheProtocolVersion() {
    assertThat(encode(Reply.nil(), 2)).isEqualTo("$-1\r\n");
    assertThat(encode(Reply.nilArray(), 2)).isEqualTo("*-1\r\n");
    assertThat(encode(Reply.nil(), 3)).isEqualTo("_\r\n");
    assertThat(encode(Reply.nilArray(), 3)).isEqualTo("_\r\n");
    assertThat(encode(Reply.bool(true), 2)).isEqualTo(":1\r\n");
    assertThat(encode(Reply.bool(false), 3)).isEqualTo("#f\r\n");
    assertThat(encode(Reply.doubleValue(1.5), 2)).isEqualTo("$3\r\n1.5\r\n");
    assertThat(encode(Reply.doubleValue(1.5), 3)).isEqualTo(",1.5\r\n");
    assertThat(encode(Reply.doubleValue(3.0), 3)).isEqualTo(",3\r\n");
    assertThat(encode(Reply.doubleValue(Double.NEGATIVE_INFINITY), 3)).isEqualTo(",-inf\r\n");
    assertThat(encode(Reply.doubleValue(Double.NaN), 2)).isEqualTo("$3\r\nnan\r\n");
  }

  @Test
  void aggregates_areFlatArraysInResp2AndTypedInResp3() {
    Map<Reply, Reply> map = new LinkedHashMap<>();
    map.put(Reply.bulk("a"), Reply.integer(1));
    map.put(Reply.bulk("b"), Reply.nil());
    assertThat(encode(Reply.map(map), 2)).isEqualTo("*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n");
    assertThat(encode(Reply.map(map), 3)).isEqualTo("%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n");
    assertThat(encode(Reply.set(List.of(Reply.bulk("x"))), 2)).isEqualTo("*1\r\n$1\r\nx\r\n");
    assertThat(encode(Reply.set(List.of(Reply.bulk("x"))), 3)).isEqualTo("~1\r\n$1\r\nx\r\n");
    assertThat(encode(Reply.array(Reply.array(), Reply.ok()), 3)).isEqualTo("*2\r\n*0\r\n+OK\r\n");
    assertThat(encode(Reply.verbatim("txt", "hi"), 2)).isEqualTo("$2\r\nhi\r\n");
    assertThat(encode(Reply.verbatim("txt", "hi"), 3)).isEqualTo("=6\r\ntxt:hi\r\n");
  }

  @Test
  void errorMessages_cannotBreakTheFraming() {
    assertThat(encode(Reply.error("ERR a\r\nb"), 2)).isEqualTo("-ERR a  b\r\n");
    assertThatThrownBy(() -> Reply.simple("a\nb")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CR or LF");
    assertThatThrownBy(() -> Reply.mapOfPairs(List.of(Reply.ok()))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keysAndValues");
  }

  @Test
  void errorWording_matchesRedis() {
    assertThat(CommandErrors.wrongArity("get")).isEqualTo("ERR wrong number of arguments for 'get' command");
    byte[][] arguments = {"FOO".getBytes(StandardCharsets.UTF_8), "a".getBytes(StandardCharsets.UTF_8),
        "b".getBytes(StandardCharsets.UTF_8)};
    assertThat(CommandErrors.unknownCommand(arguments))
        .isEqualTo("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
    assertThat(CommandErrors.unknownCommand(new byte[][] {"x".getBytes(StandardCharsets.UTF_8)}))
        .isEqualTo("ERR unknown command 'x', with args beginning with: ");
  }
}
