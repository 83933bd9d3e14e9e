package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.NodeConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * TLS on the RESP port with certificates from {@code scripts/make-ca.sh}: the real redis-cli with {@code --tls} and
 * Jedis and Lettuce over TLS are served; a plain-TCP client is not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsNodeTest {
  private static final String PASSWORD = "tls-test-password";
  private CalmNode node;
  private Path tls;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    tls = directory.resolve("tls");
    Path script = Path.of("..", "scripts", "make-ca.sh").toAbsolutePath().normalize();
    Process make = new ProcessBuilder("bash", script.toString(), tls.toString(), "virginia")
        .redirectErrorStream(true).start();
    make.getOutputStream().close();
    assertThat(make.waitFor(60, TimeUnit.SECONDS)).as("make-ca.sh finished").isTrue();
    String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(make.exitValue()).as("make-ca.sh: %s", output).isZero();
    NodeConfig.Tls respTls = new NodeConfig.Tls(tls.resolve("virginia.crt"), tls.resolve("virginia.key"), null,
        false);
    NodeConfig config = NodeConfig.builder("tls-test", ReplicaId.of("virginia"), directory.resolve("data"))
        .security(new NodeConfig.Security(PASSWORD, true, null, null,
            RespServerConfig.QUERY_BUFFERS_BYTES_MAX_DEFAULT, null, respTls))
        .build();
    node = CalmNode.start(config);
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void redisCliWithTls_isServed() throws Exception {
    String cacert = tls.resolve("ca.crt").toString();
    assertThat(RedisCli.run(node.respPort(), "--tls", "--cacert", cacert, "-a", PASSWORD, "--no-auth-warning",
        "SET", "secure", "yes")).isEqualTo("OK");
    assertThat(RedisCli.run(node.respPort(), "--tls", "--cacert", cacert, "-a", PASSWORD, "--no-auth-warning",
        "GET", "secure")).isEqualTo("yes");
    assertThat(RedisCli.run(node.respPort(), "--tls", "--cacert", cacert, "GET", "secure"))
        .isEqualTo("NOAUTH Authentication required.");
  }

  @Test
  void jedisOverTls_trustingThePrivateCa_isServed() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(tls.resolve("ca.crt"))) {
      trust.setCertificateEntry("calmdb-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trustManagers.getTrustManagers(), null);
    try (Jedis jedis = new Jedis(new HostAndPort("localhost", node.respPort()), DefaultJedisClientConfig.builder()
        .ssl(true).sslSocketFactory(context.getSocketFactory()).password(PASSWORD).timeoutMillis(10_000).build())) {
      assertThat(jedis.set("jedis-tls", "ok")).isEqualTo("OK");
      assertThat(jedis.get("jedis-tls")).isEqualTo("ok");
    }
  }

  @Test
  void lettuceOverTls_trustingThePrivateCa_isServed() {
    RedisURI uri = RedisURI.builder().withHost("localhost").withPort(node.respPort()).withSsl(true)
        .withPassword(PASSWORD.toCharArray()).withTimeout(java.time.Duration.ofSeconds(10)).build();
    RedisClient client = RedisClient.create(uri);
    try {
      client.setOptions(ClientOptions.builder()
          .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(tls.resolve("ca.crt").toFile()).build())
          .build());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        assertThat(connection.sync().set("lettuce-tls", "ok")).isEqualTo("OK");
        assertThat(connection.sync().get("lettuce-tls")).isEqualTo("ok");
      }
    } finally {
      client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(5));
    }
  }

  @Test
  void aPlainTcpClient_isNotServed() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", node.respPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      byte[] answer;
      try {
        answer = socket.getInputStream().readAllBytes();
      } catch (java.net.SocketException reset) {
        answer = new byte[0];
      }
      assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("PONG").doesNotContain("NOAUTH");
    }
  }
}
