package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real {@code redis-cli} against the front door. It is not skipped when the tool is missing: the test fails and
 * says to run {@code scripts/install-deps.sh}, because a silently skipped compatibility test proves nothing.
 */
class RedisCliTest {
  private static final long PROCESS_TIMEOUT_SECONDS = 10;

  private RespServer server;

  @BeforeEach
  void startServer() {
    server = RespServer.start(RespServerConfig.defaults(), InMemoryTestHandler.TABLE, new InMemoryTestHandler());
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  private static String redisCli() {
    for (String directory : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(directory, "redis-cli");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError("redis-cli is not installed; run scripts/install-deps.sh (installs Debian's "
        + "redis-tools) and run the tests again");
  }

  private String run(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(redisCli(), "-h", "127.0.0.1", "-p",
        Integer.toString(server.port())));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("redis-cli " + String.join(" ", arguments) + " did not finish in "
          + PROCESS_TIMEOUT_SECONDS + " s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.exitValue()).as("exit code of redis-cli %s, output %s", arguments, output).isZero();
    return output;
  }

  @Test
  void redisCli_pingSetGetAndErrors() throws Exception {
    assertThat(run("PING")).isEqualTo("PONG");
    assertThat(run("SET", "cli-key", "cli value")).isEqualTo("OK");
    assertThat(run("GET", "cli-key")).isEqualTo("cli value");
    assertThat(run("INCR", "cli-counter")).isEqualTo("1");
    assertThat(run("GET", "nothing")).isEmpty();
    assertThat(run("COMMAND", "COUNT")).isEqualTo(Integer.toString(InMemoryTestHandler.TABLE.size()));
    // The output is trimmed, so Redis's trailing space after the last quoted argument is not compared here.
    assertThat(run("FOO", "bar")).isEqualTo("ERR unknown command 'FOO', with args beginning with: 'bar'");
  }

  @Test
  void redisCli_resp3_readsMapsAndNulls() throws Exception {
    assertThat(run("-3", "HELLO", "3")).contains("proto").contains("3").contains("calmdb");
    assertThat(run("-3", "GET", "nothing")).isEmpty();
  }
}
