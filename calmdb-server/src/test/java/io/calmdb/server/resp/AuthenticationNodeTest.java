package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;

/**
 * A node with {@code requirepass} and an ACL file, used through redis-cli, redis-py, Jedis and raw sockets: the
 * replies and error lines are redis-server 7.0.15's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationNodeTest {
  private static final String PASSWORD = "correct horse battery staple";
  private CalmNode node;
  private int port;
  private Path aclFile;

  @BeforeAll
  void start(@TempDir Path directory) throws IOException {
    aclFile = directory.resolve("users.acl");
    Files.writeString(aclFile, "user reader on >readpw ~public:* resetchannels -@all +@read +ping\n"
        + "user app on #" + AccessControl.digest("apppw".getBytes(StandardCharsets.UTF_8))
        + " ~app:* &app.* -@all +@read +@write +@connection +@transaction +publish +subscribe -@dangerous\n"
        + "user scripter on >scriptpw ~app:* resetchannels -@all +@scripting +get +multi +exec\n");
    NodeConfig config = NodeConfig.builder("auth-test", ReplicaId.of("virginia"), directory.resolve("data"))
        .security(new NodeConfig.Security(PASSWORD, true, aclFile, null,
            RespServerConfig.QUERY_BUFFERS_BYTES_MAX_DEFAULT, null))
        .build();
    node = CalmNode.start(config);
    port = node.respPort();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void redisCliWithoutAPasswordGetsNoauth_andWithTheRightOneWorks() throws Exception {
    assertThat(RedisCli.run(port, "GET", "x")).isEqualTo("NOAUTH Authentication required.");
    assertThat(RedisCli.run(port, "-a", PASSWORD, "--no-auth-warning", "SET", "x", "1")).isEqualTo("OK");
    assertThat(RedisCli.run(port, "-a", PASSWORD, "--no-auth-warning", "GET", "x")).isEqualTo("1");
    assertThat(RedisCli.run(port, "-a", "wrong", "--no-auth-warning", "GET", "x"))
        .contains("WRONGPASS invalid username-password pair or user is disabled.");
  }

  @Test
  void helloWithAWrongPasswordIsRefused_andWithTheRightOneAuthenticates() throws IOException {
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.command("HELLO", "3", "AUTH", "default", "wrong");
      assertThat(raw.readReply()).isEqualTo("-WRONGPASS invalid username-password pair or user is disabled.");
      raw.command("HELLO", "2");
      assertThat(raw.readReply()).startsWith("-NOAUTH HELLO must be called with the client already authenticated");
      raw.command("GET", "x");
      assertThat(raw.readReply()).isEqualTo("-NOAUTH Authentication required.");
      raw.command("AUTH", PASSWORD);
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("ACL", "WHOAMI");
      assertThat(raw.readReply()).isEqualTo("$default");
    }
  }

  @Test
  void redisPyAndJedisConnectWithAPasswordAndAnAclUser() throws Exception {
    String output = RedisPy.run("""
        import os, redis
        r = redis.Redis(port=int(os.environ['PORT']), password=%s)
        r.set('py:k', 'v')
        print(r.get('py:k').decode())
        u = redis.Redis(port=int(os.environ['PORT']), username='app', password='apppw')
        u.set('app:1', 'one')
        print(u.get('app:1').decode())
        try:
            u.set('other', 'x')
        except redis.exceptions.NoPermissionError as e:
            print('refused', e)
        try:
            redis.Redis(port=int(os.environ['PORT']), password='wrong').ping()
        except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as e:
            print('wrong', e)
        """.formatted("'" + PASSWORD + "'"), port);
    assertThat(output.lines()).containsExactly("v", "one",
        "refused this user has no permissions to access one of the keys used as arguments",
        "wrong WRONGPASS invalid username-password pair or user is disabled.");

    try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port),
        DefaultJedisClientConfig.builder().password(PASSWORD).timeoutMillis(10_000).build())) {
      assertThat(jedis.set("jedis:k", "v")).isEqualTo("OK");
      assertThat(jedis.get("jedis:k")).isEqualTo("v");
    }
    assertThatThrownBy(() -> {
      try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port),
          DefaultJedisClientConfig.builder().password("wrong").timeoutMillis(10_000).build())) {
        jedis.ping();
      }
    }).isInstanceOf(JedisAccessControlException.class).hasMessageContaining("WRONGPASS");
  }

  @Test
  void anAclUserIsHeldToItsCommandsKeysAndChannels() throws IOException {
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.command("AUTH", "reader", "readpw");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("GET", "public:a");
      assertThat(raw.readReply()).isEqualTo("$nil");
      raw.command("GET", "private:a");
      assertThat(raw.readReply())
          .isEqualTo("-NOPERM this user has no permissions to access one of the keys used as arguments");
      raw.command("SET", "public:a", "1");
      assertThat(raw.readReply()).isEqualTo("-NOPERM this user has no permissions to run the 'set' command");
      raw.command("FLUSHALL");
      assertThat(raw.readReply()).isEqualTo("-NOPERM this user has no permissions to run the 'flushall' command");
      raw.command("CONFIG", "SET", "requirepass", "");
      assertThat(raw.readReply())
          .isEqualTo("-NOPERM this user has no permissions to run the 'config|set' command");
      raw.command("CLUSTER", "PARTITION", "frankfurt");
      assertThat(raw.readReply())
          .isEqualTo("-NOPERM this user has no permissions to run the 'cluster|partition' command");
    }
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.command("AUTH", "app", "apppw");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("PUBLISH", "other", "m");
      assertThat(raw.readReply())
          .isEqualTo("-NOPERM this user has no permissions to access one of the channels used as arguments");
      raw.command("PUBLISH", "app.news", "m");
      assertThat(raw.readReply()).isEqualTo(":0");
      raw.command("MULTI");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("SET", "app:t", "1");
      assertThat(raw.readReply()).isEqualTo("+QUEUED");
      raw.command("SET", "elsewhere", "1");
      assertThat(raw.readReply()).startsWith("-NOPERM");
      raw.command("EXEC");
      assertThat(raw.readReply()).isEqualTo("-EXECABORT Transaction discarded because of previous errors.");
      raw.command("GET", "app:t");
      assertThat(raw.readReply()).as("a failed transaction runs nothing").isEqualTo("$nil");
    }
  }

  @Test
  void aScriptsCallsAreHeldToTheCallersCommandsAndKeys_asRedisRefusesThem() throws Exception {
    String[] scripter = {"--user", "scripter", "--pass", "scriptpw", "--no-auth-warning"};
    RedisCli.run(port, "-a", PASSWORD, "--no-auth-warning", "SET", "app:seen", "yes");
    RedisCli.run(port, "-a", PASSWORD, "--no-auth-warning", "SET", "secret", "no");
    assertThat(RedisCli.run(port, concat(scripter, "EVAL", "return redis.call('get', KEYS[1])", "1", "app:seen")))
        .isEqualTo("yes");
    assertThat(RedisCli.run(port, concat(scripter, "EVAL", "return redis.call('set', 'app:x', '1')", "0")))
        .startsWith("ERR The user executing the script can't run this command or subcommand script: ")
        .endsWith(", on @user_script:1.");
    assertThat(RedisCli.run(port, concat(scripter, "EVAL", "return redis.call('get', 'secret')", "0")))
        .startsWith("ERR The user executing the script can't access at least one of the keys mentioned in the "
            + "command arguments script: ");
    assertThat(RedisCli.run(port, concat(scripter, "EVAL", "return redis.pcall('get', 'secret')", "0")))
        .isEqualTo("ERR The user executing the script can't access at least one of the keys mentioned in the "
            + "command arguments");
    // Inside a transaction the script is held to the same user.
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.command("AUTH", "scripter", "scriptpw");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("MULTI");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("EVAL", "return redis.pcall('set', 'app:y', '1')", "0");
      assertThat(raw.readReply()).isEqualTo("+QUEUED");
      raw.command("EXEC");
      assertThat(raw.readReply())
          .isEqualTo("*[-ERR The user executing the script can't run this command or subcommand]");
    }
    assertThat(RedisCli.run(port, "-a", PASSWORD, "--no-auth-warning", "EXISTS", "app:x", "app:y")).isEqualTo("0");
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  @Test
  void aclSetuserGetuserListDeluserAndSaveWorkAsInRedis() throws IOException {
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.command("AUTH", PASSWORD);
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("ACL", "SETUSER", "bob", "on", ">pw", "~bob:*", "+@read");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("ACL", "SETUSER", "bob", "bogus");
      assertThat(raw.readReply()).isEqualTo("-ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
      raw.command("ACL", "LIST");
      String list = raw.readReply();
      assertThat(list).contains("user bob on #" + AccessControl.digest("pw".getBytes(StandardCharsets.UTF_8))
          + " ~bob:* resetchannels -@all +@read");
      assertThat(list).contains("user default on #" + AccessControl.digest(PASSWORD.getBytes(StandardCharsets.UTF_8))
          + " ~* &* +@all");
      raw.command("ACL", "SAVE");
      assertThat(raw.readReply()).isEqualTo("+OK");
      assertThat(Files.readString(aclFile)).contains("user bob on #").doesNotContain(">pw").doesNotContain("readpw");
      raw.command("ACL", "DELUSER", "bob", "nobody");
      assertThat(raw.readReply()).isEqualTo(":1");
      raw.command("ACL", "DELUSER", "default");
      assertThat(raw.readReply()).isEqualTo("-ERR The 'default' user cannot be removed");
      raw.command("ACL", "LOAD");
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("ACL", "USERS");
      assertThat(raw.readReply()).contains("bob").contains("reader").contains("app").contains("default");
      raw.command("ACL", "CAT");
      assertThat(raw.readReply()).contains("dangerous").contains("keyspace");
    }
  }

  @Test
  void anUnauthenticatedClientMaySendOnlySmallRequests() throws IOException {
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (RespServerConfig.PRE_AUTH_BULK_BYTES_MAX_DEFAULT + 1) + "\r\n");
      assertThat(raw.readReply()).isEqualTo("-ERR Protocol error: unauthenticated bulk length");
      assertThat(raw.closedByServer()).isTrue();
    }
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.send("*11\r\n");
      assertThat(raw.readReply()).isEqualTo("-ERR Protocol error: unauthenticated multibulk length");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void anHttpPostToTheRespPortIsDroppedWithoutRunningIt() throws IOException {
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\nSET pwn 1");
      assertThat(raw.closedByServer()).isTrue();
    }
    try (RawRespClient raw = new RawRespClient(port)) {
      raw.command("AUTH", PASSWORD);
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.command("EXISTS", "pwn");
      assertThat(raw.readReply()).isEqualTo(":0");
      raw.command("CONFIG", "GET", "protected-mode");
      assertThat(raw.readReply()).contains("yes");
    }
  }
}
