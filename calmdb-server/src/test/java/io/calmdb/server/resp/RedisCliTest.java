package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real {@code redis-cli} against the front door. It is not skipped when the tool is missing: the test fails and
 * says to run {@code scripts/install-deps.sh}, because a silently skipped compatibility test proves nothing.
 */
class RedisCliTest {

  private RespServer server;

  @BeforeEach
  void startServer() {
    server = RespServer.start(RespServerConfig.defaults(), InMemoryTestHandler.TABLE, new InMemoryTestHandler());
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void redisCli_pingSetGetAndErrors() throws Exception {
    assertThat(RedisCli.run(server.port(), "PING")).isEqualTo("PONG");
    assertThat(RedisCli.run(server.port(), "SET", "cli-key", "cli value")).isEqualTo("OK");
    assertThat(RedisCli.run(server.port(), "GET", "cli-key")).isEqualTo("cli value");
    assertThat(RedisCli.run(server.port(), "INCR", "cli-counter")).isEqualTo("1");
    assertThat(RedisCli.run(server.port(), "GET", "nothing")).isEmpty();
    assertThat(RedisCli.run(server.port(), "COMMAND", "COUNT")).isEqualTo(Integer.toString(InMemoryTestHandler.TABLE.size()));
    // The output is trimmed, so Redis's trailing space after the last quoted argument is not compared here.
    assertThat(RedisCli.run(server.port(), "FOO", "bar")).isEqualTo("ERR unknown command 'FOO', with args beginning with: 'bar'");
  }

  @Test
  void redisCli_resp3_readsMapsAndNulls() throws Exception {
    assertThat(RedisCli.run(server.port(), "-3", "HELLO", "3")).contains("proto").contains("3").contains("calmdb");
    assertThat(RedisCli.run(server.port(), "-3", "GET", "nothing")).isEmpty();
  }
}
