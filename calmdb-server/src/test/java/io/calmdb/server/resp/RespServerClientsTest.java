package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/** Real Redis clients, Jedis and Lettuce, in RESP2 and RESP3, against the front door and the test fixture. */
class RespServerClientsTest {
  private static final int CLIENT_TIMEOUT_MILLIS = 5_000;

  private InMemoryTestHandler handler;
  private RespServer server;

  @BeforeEach
  void startServer() {
    handler = new InMemoryTestHandler();
    server = RespServer.start(RespServerConfig.builder().ioThreads(2).build(), InMemoryTestHandler.TABLE, handler);
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  private Jedis jedis(RedisProtocol protocol) {
    return new Jedis(new HostAndPort("127.0.0.1", server.port()), DefaultJedisClientConfig.builder()
        .protocol(protocol).timeoutMillis(CLIENT_TIMEOUT_MILLIS).build());
  }

  @Test
  void jedis_resp2_readsAndWritesThroughTheHandler() {
    try (Jedis jedis = jedis(RedisProtocol.RESP2)) {
      assertThat(jedis.ping()).isEqualTo("PONG");
      assertThat(jedis.set("greeting", "hello")).isEqualTo("OK");
      assertThat(jedis.get("greeting")).isEqualTo("hello");
      assertThat(jedis.get("missing")).isNull();
      assertThat(jedis.incr("counter")).isEqualTo(1L);
      assertThat(jedis.incr("counter")).isEqualTo(2L);
      assertThat(jedis.mget("greeting", "missing", "counter")).containsExactly("hello", null, "2");
      assertThat(jedis.del("greeting", "missing")).isEqualTo(1L);
      assertThat(jedis.echo("echoed")).isEqualTo("echoed");
      assertThat(jedis.select(0)).isEqualTo("OK");
    }
  }

  @Test
  void jedis_resp3_switchesProtocolWithHello() {
    try (Jedis jedis = jedis(RedisProtocol.RESP3)) {
      assertThat(jedis.set("k", "v")).isEqualTo("OK");
      assertThat(jedis.get("k")).isEqualTo("v");
      assertThat(jedis.get("nothing")).isNull();
      assertThat(jedis.clientInfo()).contains("resp=3");
    }
  }

  @Test
  void jedis_errors_carryRedisWording() {
    try (Jedis jedis = jedis(RedisProtocol.RESP2)) {
      assertThatThrownBy(() -> jedis.select(1)).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR DB index is out of range");
      jedis.set("text", "abc");
      assertThatThrownBy(() -> jedis.incr("text")).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR value is not an integer or out of range");
      assertThatThrownBy(() -> jedis.sendCommand(() -> "GET".getBytes(), "a", "b"))
          .isInstanceOf(JedisDataException.class).hasMessage("ERR wrong number of arguments for 'get' command");
      assertThatThrownBy(() -> jedis.sendCommand(() -> "FOO".getBytes(), "bar"))
          .isInstanceOf(JedisDataException.class)
          .hasMessage("ERR unknown command 'FOO', with args beginning with: 'bar' ");
      assertThatThrownBy(() -> jedis.sendCommand(() -> "FAIL".getBytes()))
          .isInstanceOf(JedisDataException.class).hasMessage("ERR internal error: deliberate test failure");
      // The connection survives every one of those errors.
      assertThat(jedis.ping()).isEqualTo("PONG");
    }
  }

  @Test
  void jedis_clientCommands_nameAndIdentifyTheConnection() {
    try (Jedis jedis = jedis(RedisProtocol.RESP2)) {
      assertThat(jedis.clientGetname()).isNull();
      assertThat(jedis.clientSetname("worker-1")).isEqualTo("OK");
      assertThat(jedis.clientGetname()).isEqualTo("worker-1");
      assertThat(jedis.clientId()).isPositive();
      assertThat(jedis.clientInfo()).contains("name=worker-1").contains("db=0");
      assertThat(jedis.clientList()).contains("name=worker-1");
      assertThatThrownBy(() -> jedis.clientSetname("has space")).isInstanceOf(JedisDataException.class)
          .hasMessage("ERR Client names cannot contain spaces, newlines or special characters.");
    }
  }

  private RedisClient lettuce(ProtocolVersion protocol) {
    RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
        .withTimeout(Duration.ofMillis(CLIENT_TIMEOUT_MILLIS)).build());
    client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
    return client;
  }

  @Test
  void lettuce_resp2AndResp3_bothWork() {
    for (ProtocolVersion protocol : List.of(ProtocolVersion.RESP2, ProtocolVersion.RESP3)) {
      RedisClient client = lettuce(protocol);
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        RedisCommands<String, String> commands = connection.sync();
        assertThat(commands.ping()).isEqualTo("PONG");
        assertThat(commands.set("lettuce-" + protocol, "value")).isEqualTo("OK");
        assertThat(commands.get("lettuce-" + protocol)).isEqualTo("value");
        assertThat(commands.get("absent")).isNull();
        assertThat(commands.incr("lettuce-counter-" + protocol)).isEqualTo(1L);
        assertThat(commands.clientInfo()).contains("resp=" + (protocol == ProtocolVersion.RESP3 ? 3 : 2));
      } finally {
        client.shutdown(0, 2, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void hello_repliesTheServerInfoMapInTheNewProtocol() throws Exception {
    try (RawRespClient raw = new RawRespClient(server.port())) {
      raw.command("HELLO", "3", "SETNAME", "raw");
      assertThat(raw.readReply()).startsWith("%[$server, $calmdb, $version, $7.2.0, $proto, :3, $id, :")
          .endsWith("$mode, $standalone, $role, $master, $modules, *[]]");
      raw.command("GET", "nothing");
      assertThat(raw.readReply()).isEqualTo("_");
      raw.command("CLIENT", "GETNAME");
      assertThat(raw.readReply()).isEqualTo("$raw");
      raw.command("HELLO", "4");
      assertThat(raw.readReply()).isEqualTo("-NOPROTO unsupported protocol version");
      raw.command("HELLO", "x");
      assertThat(raw.readReply()).isEqualTo("-ERR Protocol version is not an integer or out of range");
      raw.command("HELLO", "2", "BOGUS");
      assertThat(raw.readReply()).isEqualTo("-ERR Syntax error in HELLO option 'BOGUS'");
      raw.command("HELLO", "2", "AUTH", "default", "anything");
      assertThat(raw.readReply()).contains("$proto, :2");
      raw.command("GET", "nothing");
      assertThat(raw.readReply()).isEqualTo("$nil");
      raw.command("HELLO", "3");
      raw.readReply();
      raw.command("RESET");
      assertThat(raw.readReply()).isEqualTo("+RESET");
      raw.command("GET", "nothing");
      assertThat(raw.readReply()).as("RESET returns to RESP2").isEqualTo("$nil");
      raw.command("CLIENT", "GETNAME");
      assertThat(raw.readReply()).isEqualTo("$nil");
    }
  }

  @Test
  void connectionCommands_answerLikeRedis() throws Exception {
    try (RawRespClient raw = new RawRespClient(server.port())) {
      raw.command("PING");
      assertThat(raw.readReply()).isEqualTo("+PONG");
      raw.command("PING", "hi");
      assertThat(raw.readReply()).isEqualTo("$hi");
      raw.command("PING", "a", "b");
      assertThat(raw.readReply()).isEqualTo("-ERR wrong number of arguments for 'ping' command");
      raw.command("ECHO");
      assertThat(raw.readReply()).isEqualTo("-ERR wrong number of arguments for 'echo' command");
      raw.command("SELECT", "x");
      assertThat(raw.readReply()).isEqualTo("-ERR value is not an integer or out of range");
      raw.command("CLIENT", "SETNAME");
      assertThat(raw.readReply()).isEqualTo("-ERR wrong number of arguments for 'client|setname' command");
      raw.command("CLIENT", "NOPE");
      assertThat(raw.readReply()).isEqualTo("-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
      raw.command("CLIENT", "SETINFO", "LIB-NAME", "raw-client");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("COMMAND", "COUNT");
      assertThat(raw.readReply()).isEqualTo(":" + InMemoryTestHandler.TABLE.size());
      raw.command("COMMAND", "INFO", "get", "nosuch");
      assertThat(raw.readReply()).isEqualTo(
          "*[*[$get, :2, *[+readonly, +fast], :1, :1, :1, *[+@read, +@string, +@fast], *[], "
              + "*[*[$flags, *[+RO, +access], $begin_search, *[$type, $index, $spec, *[$index, :1]], "
              + "$find_keys, *[$type, $range, $spec, *[$lastkey, :0, $keystep, :1, $limit, :0]]]], *[]], $nil]");
      raw.command("COMMAND", "DOCS", "set");
      assertThat(raw.readReply()).isEqualTo(
          "*[$set, *[$summary, $Sets the string value of a key., $since, $1.0.0, $group, $string]]");
      raw.command("COMMAND");
      assertThat(raw.readReply()).contains("$hello").contains("$mget");
      raw.command("QUIT");
      assertThat(raw.readReply()).isEqualTo("+OK");
      assertThat(raw.closedByServer()).isTrue();
    }
    assertThat(server.statistics().protocolErrors()).isZero();
  }
}
