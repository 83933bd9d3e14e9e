package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed and hostile bytes over real loopback sockets: each gets Redis's protocol error and a closed connection,
 * or waits patiently when it is merely incomplete; the server keeps serving everyone else and the data handler is
 * never called for a malformed frame.
 */
class RespServerHostileInputTest {
  /** Small enough that a test can exceed it cheaply, large enough for the legitimate commands below. */
  private static final int BULK_BYTES_MAX = 64 * 1024;

  private InMemoryTestHandler handler;
  private RespServer server;

  @BeforeEach
  void startServer() {
    handler = new InMemoryTestHandler();
    server = RespServer.start(RespServerConfig.builder().bulkBytesMax(BULK_BYTES_MAX).ioThreads(2).build(),
        InMemoryTestHandler.TABLE, handler);
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  private void assertServerStillAnswers() throws IOException {
    try (RawRespClient other = new RawRespClient(server.port())) {
      other.command("PING");
      assertThat(other.readReply()).isEqualTo("+PONG");
    }
  }

  private void assertProtocolErrorAndClose(String request, String expectedError) throws IOException {
    try (RawRespClient raw = new RawRespClient(server.port())) {
      raw.send(request);
      assertThat(raw.readReply()).as("reply to %s", printable(request)).isEqualTo(expectedError);
      assertThat(raw.closedByServer()).as("connection closed after %s", printable(request)).isTrue();
    }
  }

  private static String printable(String text) {
    return text.replace("\r", "\\r").replace("\n", "\\n");
  }

  @Test
  void truncatedFrame_waitsForTheRestThenAnswers() throws IOException {
    try (RawRespClient raw = new RawRespClient(server.port())) {
      String request = "*3\r\n$3\r\nSET\r\n$4\r\nkey1\r\n$6\r\nvalue1\r\n";
      // Each byte goes out in its own segment (TCP_NODELAY), so the server sees the frame in many pieces.
      for (int index = 0; index < request.length(); index++) {
        raw.send(request.substring(index, index + 1));
      }
      assertThat(raw.readReply()).isEqualTo("+OK");
      raw.send("*2\r\n$3\r\nGET\r\n$4\r\nke");
      // While the frame is incomplete the server goes on serving other connections.
      assertServerStillAnswers();
      raw.send("y1\r\n");
      assertThat(raw.readReply()).isEqualTo("$value1");
    }
  }

  @Test
  void hugeBulkLengthHeader_isRefusedAndOnlyThatConnectionCloses() throws IOException {
    try (RawRespClient bystander = new RawRespClient(server.port())) {
      assertProtocolErrorAndClose("*2\r\n$3\r\nGET\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length");
      assertProtocolErrorAndClose("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (BULK_BYTES_MAX + 1) + "\r\n",
          "-ERR Protocol error: invalid bulk length");
      bystander.command("SET", "survivor", "yes");
      assertThat(bystander.readReply()).isEqualTo("+OK");
    }
    assertServerStillAnswers();
    assertThat(handler.invocations()).as("only the bystander's SET reached the handler").isEqualTo(1);
  }

  @Test
  void bulkWithinTheBoundButNeverSent_leavesOtherConnectionsServed() throws IOException {
    try (RawRespClient slow = new RawRespClient(server.port())) {
      slow.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + BULK_BYTES_MAX + "\r\nonly-a-few-bytes");
      assertServerStillAnswers();
    }
    assertThat(handler.invocations()).isZero();
  }

  @Test
  void malformedLengths_getRedisProtocolErrors() throws IOException {
    assertProtocolErrorAndClose("*-5\r\n", "-ERR Protocol error: invalid multibulk length");
    assertProtocolErrorAndClose("*99999999999999999999\r\n", "-ERR Protocol error: invalid multibulk length");
    assertProtocolErrorAndClose("*2\r\n$3\r\nGET\r\n$-7\r\n", "-ERR Protocol error: invalid bulk length");
    assertProtocolErrorAndClose("*2\r\n$3\r\nGET\r\n$9223372036854775808\r\n",
        "-ERR Protocol error: invalid bulk length");
    assertProtocolErrorAndClose("*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'");
    assertProtocolErrorAndClose("*1\r\n$4\r\nPINGxx", "-ERR Protocol error: expected CRLF after bulk string of 4 bytes");
    assertProtocolErrorAndClose("ECHO \"open\r\n", "-ERR Protocol error: unbalanced quotes in request");
    assertProtocolErrorAndClose("x".repeat(RespServerConfig.INLINE_BYTES_MAX_DEFAULT + 1),
        "-ERR Protocol error: too big inline request");
    assertServerStillAnswers();
    assertThat(handler.invocations()).isZero();
    assertThat(server.statistics().protocolErrors()).isEqualTo(8);
  }

  @Test
  void validCommandsBeforeAProtocolError_areAnsweredFirst() throws IOException {
    try (RawRespClient raw = new RawRespClient(server.port())) {
      raw.send("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*1\r\n$4\r\nPING\r\n*-5\r\n*1\r\n$4\r\nPING\r\n");
      assertThat(raw.readReply()).isEqualTo("+OK");
      assertThat(raw.readReply()).isEqualTo("+PONG");
      assertThat(raw.readReply()).isEqualTo("-ERR Protocol error: invalid multibulk length");
      assertThat(raw.closedByServer()).as("nothing after the error is run").isTrue();
    }
    assertThat(handler.invocations()).isEqualTo(1);
  }

  @Test
  void inlineCommands_workLikeTelnet() throws IOException {
    try (RawRespClient raw = new RawRespClient(server.port())) {
      raw.send("PING\r\nset k \"two words\"\r\nget k\n\r\nECHO 'it\\'s'\r\nnosuch a b\r\n");
      assertThat(raw.readReply()).isEqualTo("+PONG");
      assertThat(raw.readReply()).isEqualTo("+OK");
      assertThat(raw.readReply()).isEqualTo("$two words");
      assertThat(raw.readReply()).isEqualTo("$it's");
      assertThat(raw.readReply()).isEqualTo("-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' ");
    }
  }

  @Test
  void binaryGarbage_acrossManyConnections_neverCrashesTheServer() throws IOException {
    long seed = 4_242L;
    SplittableRandom random = new SplittableRandom(seed);
    int connections = 120;
    for (int round = 0; round < connections; round++) {
      byte[] garbage = new byte[1 + random.nextInt(8 * 1024)];
      random.nextBytes(garbage);
      if (random.nextBoolean()) {
        // Half the rounds start like a multibulk request so the decoder's length parsing is exercised too.
        byte[] prefix = ("*" + random.nextInt(4) + "\r\n$").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, garbage, 0, Math.min(prefix.length, garbage.length));
      }
      try (RawRespClient raw = new RawRespClient(server.port())) {
        raw.send(garbage);
        raw.shutdownOutput();
        raw.drainUntilClosed();
      } catch (SocketException resetByServer) {
        // A server that closes while bytes are still in flight resets the connection: that is a refusal, not a crash.
      }
      if (round % 20 == 0) {
        assertServerStillAnswers();
      }
    }
    assertServerStillAnswers();
    assertThat(handler.invocations()).as("seed %d: garbage never reached the data handler", seed).isZero();
  }

  @Test
  void httpRequestsToTheRespPort_areDroppedWithoutAReplyAndNeverReachTheHandler() throws IOException {
    // A web page can make a browser POST to any port; Redis drops such connections ("Possible SECURITY ATTACK").
    for (String request : new String[] {
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nSET pwn 1\r\n",
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n",
        "Host: 127.0.0.1\r\nSET pwn 1\r\n"}) {
      try (RawRespClient raw = new RawRespClient(server.port())) {
        raw.send(request);
        assertThat(raw.closedByServer()).as("connection closed after %s", printable(request)).isTrue();
      }
    }
    assertThat(handler.invocations()).as("no line of an HTTP request ran as a command").isZero();
    assertServerStillAnswers();
  }

  @Test
  void protectedMode_refusesOnlyClientsBeyondLoopback_whileTheDefaultUserHasNoPassword() {
    RespServerConfig open = RespServerConfig.defaults();
    java.net.InetSocketAddress remote = new java.net.InetSocketAddress("10.1.2.3", 40000);
    java.net.InetSocketAddress loopback = new java.net.InetSocketAddress("127.0.0.1", 40000);
    assertThat(ClientConnection.refusedByProtectedMode(open, remote)).isTrue();
    assertThat(ClientConnection.refusedByProtectedMode(open, loopback)).isFalse();
    RespServerConfig withPassword = RespServerConfig.builder()
        .accessControl(new AccessControl("secret", null)).build();
    assertThat(ClientConnection.refusedByProtectedMode(withPassword, remote)).isFalse();
    RespServerConfig optedOut = RespServerConfig.builder().protectedMode(false).build();
    assertThat(ClientConnection.refusedByProtectedMode(optedOut, remote)).isFalse();
    assertThat(ClientConnection.PROTECTED_MODE_DENIED).startsWith("-DENIED ").endsWith("\r\n");
  }
}
