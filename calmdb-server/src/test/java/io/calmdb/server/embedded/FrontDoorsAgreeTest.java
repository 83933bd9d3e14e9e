package io.calmdb.server.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.NodeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * RESP, HTTP and the embedded API refuse the same edge cases with the same Redis error, because they run the same
 * keyspace operations with the same checks. The cases are the ones where the HTTP hash pre-check once disagreed:
 * a stored {@code "+5"} is not an integer to Redis ({@code HSET h f +5} then {@code HINCRBY h f 1} answers
 * {@code ERR hash value is not an integer} on redis-server 7.0), and neither is the argument {@code +5}.
 */
class FrontDoorsAgreeTest {
    private static final String HASH_NOT_AN_INTEGER = "ERR hash value is not an integer";
    private static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    private EmbeddedCalmDb db;
    private Jedis redis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void open() {
        db = EmbeddedCalmDb.open(NodeConfig.builder("front-doors", ReplicaId.of("virginia"), directory.resolve("data"))
                .build());
        redis = new Jedis("127.0.0.1", db.node().respPort(), 10_000);
    }

    @AfterEach
    void close() {
        redis.close();
        db.close();
    }

    @Test
    void hashIncrement_ofAStoredPlusFive_isRefusedAlikeByEveryFrontDoor() throws Exception {
        redis.hset("h", Map.of("f", "+5", "g", "1"));

        assertThatThrownBy(() -> redis.hincrBy("h", "f", 1)).isInstanceOf(JedisDataException.class)
                .hasMessage(HASH_NOT_AN_INTEGER);
        // "g" is checked and applied first in the request; the refusal of "f" must leave it untouched.
        HttpResponse<String> answer = send("PATCH", "/v1/keys/h/fields", "{\"increment\": {\"g\": 1, \"f\": 1}}");
        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(answer.body()).get("error").asText()).isEqualTo(HASH_NOT_AN_INTEGER);
        assertThatThrownBy(() -> db.map("h").increment("f", 1).join()).isInstanceOf(CompletionException.class)
                .cause().isExactlyInstanceOf(CalmDbException.class).hasMessage(HASH_NOT_AN_INTEGER);

        assertThat(redis.hgetAll("h")).isEqualTo(Map.of("f", "+5", "g", "1"));
    }

    @Test
    void counter_ofAStoredPlusFive_isNotAnIntegerToEveryFrontDoor() throws Exception {
        redis.set("c", "+5");

        assertThatThrownBy(() -> redis.incr("c")).isInstanceOf(JedisDataException.class).hasMessage(NOT_AN_INTEGER);
        HttpResponse<String> answer = send("POST", "/v1/keys/c/increment", "{\"by\": 1}");
        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(answer.body()).get("error").asText()).isEqualTo(NOT_AN_INTEGER);
        assertThatThrownBy(() -> db.counter("c").increment(1).join()).cause()
                .isExactlyInstanceOf(CalmDbException.class).hasMessage(NOT_AN_INTEGER);
        assertThatThrownBy(() -> db.counter("c").get().join()).cause()
                .isExactlyInstanceOf(CalmDbException.class).hasMessage(NOT_AN_INTEGER);

        assertThat(redis.get("c")).isEqualTo("+5");
    }

    @Test
    void plusFive_asAnIncrementArgument_isRefusedByRespAndHttp() throws Exception {
        assertThatThrownBy(() -> redis.sendCommand(() -> "HINCRBY".getBytes(), "h", "f", "+5"))
                .isInstanceOf(JedisDataException.class).hasMessage(NOT_AN_INTEGER);
        assertThatThrownBy(() -> redis.sendCommand(() -> "INCRBY".getBytes(), "c", "+5"))
                .isInstanceOf(JedisDataException.class).hasMessage(NOT_AN_INTEGER);
        // JSON has no "+5" number; the text "+5" is not an integer to HTTP either.
        assertThat(send("PATCH", "/v1/keys/h/fields", "{\"increment\": {\"f\": \"+5\"}}").statusCode())
                .isEqualTo(400);
        assertThat(send("POST", "/v1/keys/c/increment", "{\"by\": \"+5\"}").statusCode()).isEqualTo(400);

        assertThat(redis.exists("h", "c")).isZero();
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException,
            InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + db.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
