package io.calmdb.server.http;

import static io.calmdb.server.http.HttpTestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.http.HttpTestCluster.Answer;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of every type over HTTP against two replicating nodes, plus errors, health and metrics. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiTest {
    private static final ReplicaId VIRGINIA = HttpTestCluster.REGIONS.get(0);
    private static final ReplicaId FRANKFURT = HttpTestCluster.REGIONS.get(1);

    @TempDir
    static Path directory;

    private HttpTestCluster cluster;

    @BeforeAll
    void start() {
        cluster = new HttpTestCluster(directory, 2);
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    private Answer put(String key, String body) {
        return cluster.send(VIRGINIA, "PUT", "/v1/keys/" + key, body);
    }

    private static List<String> texts(JsonNode array) {
        List<String> result = new ArrayList<>();
        array.forEach(element -> result.add(element.asText()));
        return result;
    }

    @Test
    void string_putThenGet_roundTrips_andReplicates() {
        Answer written = put("greeting", "{\"type\":\"string\",\"value\":\"hello\"}");
        assertThat(written.status()).isEqualTo(200);
        assertThat(written.body().get("value").asText()).isEqualTo("hello");

        Answer read = cluster.get(VIRGINIA, "/v1/keys/greeting");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().get("key").asText()).isEqualTo("greeting");
        assertThat(read.body().get("type").asText()).isEqualTo("string");
        assertThat(read.body().get("value").asText()).isEqualTo("hello");

        awaitTrue("frankfurt reads the greeting", () -> {
            Answer remote = cluster.get(FRANKFURT, "/v1/keys/greeting");
            return remote.status() == 200 && remote.body().get("value").asText().equals("hello");
        });
    }

    @Test
    void counter_increment_addsAndReadsAsAnIntegerString() {
        Answer first = cluster.send(VIRGINIA, "POST", "/v1/keys/likes/increment", "{\"by\":5}");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("value").asText()).isEqualTo("5");
        Answer second = cluster.send(VIRGINIA, "POST", "/v1/keys/likes/increment", "");
        assertThat(second.body().get("value").asText()).isEqualTo("6");
        Answer down = cluster.send(VIRGINIA, "POST", "/v1/keys/likes/increment", "{\"by\":-10}");
        assertThat(down.body().get("value").asText()).isEqualTo("-4");
        assertThat(cluster.get(VIRGINIA, "/v1/keys/likes").body().get("type").asText()).isEqualTo("string");
    }

    @Test
    void set_addAndRemoveMembers_roundTrips() {
        Answer added = cluster.send(VIRGINIA, "POST", "/v1/keys/tags/members", "{\"add\":[\"b\",\"a\",\"c\"]}");
        assertThat(added.status()).isEqualTo(200);
        assertThat(added.body().get("added").asInt()).isEqualTo(3);
        Answer changed = cluster.send(VIRGINIA, "POST", "/v1/keys/tags/members",
                "{\"add\":[\"d\"],\"remove\":[\"a\",\"zz\"]}");
        assertThat(changed.body().get("added").asInt()).isEqualTo(1);
        assertThat(changed.body().get("removed").asInt()).isEqualTo(1);

        Answer read = cluster.get(VIRGINIA, "/v1/keys/tags");
        assertThat(read.body().get("type").asText()).isEqualTo("set");
        assertThat(texts(read.body().get("value"))).containsExactly("b", "c", "d");
    }

    @Test
    void put_ofASet_replacesItsMembers() {
        put("colours", "{\"type\":\"set\",\"value\":[\"red\",\"green\"]}");
        Answer replaced = put("colours", "{\"type\":\"set\",\"value\":[\"blue\"]}");
        assertThat(texts(replaced.body().get("value"))).containsExactly("blue");
    }

    @Test
    void hash_setRemoveAndIncrementFields_roundTrips() {
        Answer created = put("user:1", "{\"type\":\"hash\",\"value\":{\"name\":\"ada\",\"city\":\"london\"}}");
        assertThat(created.status()).isEqualTo(200);
        Answer patched = cluster.send(VIRGINIA, "PATCH", "/v1/keys/user:1/fields",
                "{\"set\":{\"lang\":\"en\"},\"remove\":[\"city\"],\"increment\":{\"visits\":3}}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.body().get("incremented").get("visits").asLong()).isEqualTo(3);
        assertThat(patched.body().get("removed").asInt()).isEqualTo(1);

        JsonNode value = cluster.get(VIRGINIA, "/v1/keys/user:1").body().get("value");
        assertThat(value.get("name").asText()).isEqualTo("ada");
        assertThat(value.get("lang").asText()).isEqualTo("en");
        assertThat(value.get("visits").asText()).isEqualTo("3");
        assertThat(value.has("city")).isFalse();
    }

    @Test
    void delete_removesTheKey_andASecondDeleteIs404() {
        put("doomed", "{\"type\":\"string\",\"value\":\"x\"}");
        Answer deleted = cluster.delete(VIRGINIA, "/v1/keys/doomed");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body().get("deleted").asBoolean()).isTrue();
        assertThat(cluster.get(VIRGINIA, "/v1/keys/doomed").status()).isEqualTo(404);
        assertThat(cluster.delete(VIRGINIA, "/v1/keys/doomed").status()).isEqualTo(404);
    }

    @Test
    void keys_listsMatchingKeysSorted_upToTheLimit() {
        for (String key : List.of("list:c", "list:a", "list:b")) {
            put(key, "{\"type\":\"string\",\"value\":\"1\"}");
        }
        Answer all = cluster.get(VIRGINIA, "/v1/keys?match=list:*");
        assertThat(texts(all.body().get("keys"))).containsExactly("list:a", "list:b", "list:c");
        assertThat(all.body().get("truncated").asBoolean()).isFalse();
        Answer limited = cluster.get(VIRGINIA, "/v1/keys?match=list:*&limit=2");
        assertThat(texts(limited.body().get("keys"))).containsExactly("list:a", "list:b");
        assertThat(limited.body().get("truncated").asBoolean()).isTrue();
    }

    @Test
    void base64Encoding_roundTripsBinaryValues() {
        byte[] binary = {0, (byte) 0xff, (byte) 0xc3, 10};
        String encoded = Base64.getEncoder().encodeToString(binary);
        Answer written = put("blob?encoding=base64", "{\"type\":\"string\",\"value\":\"" + encoded + "\"}");
        assertThat(written.status()).isEqualTo(200);
        Answer read = cluster.get(VIRGINIA, "/v1/keys/blob?encoding=base64");
        assertThat(Base64.getDecoder().decode(read.body().get("value").asText())).isEqualTo(binary);
        Answer asText = cluster.get(VIRGINIA, "/v1/keys/blob");
        assertThat(asText.status()).isEqualTo(409);
        assertThat(asText.body().get("error").asText()).contains("encoding=base64");
    }

    @Test
    void errors_areJsonWithTheRightStatus() {
        put("a-string", "{\"type\":\"string\",\"value\":\"text\"}");
        Answer wrongType = cluster.send(VIRGINIA, "POST", "/v1/keys/a-string/members", "{\"add\":[\"x\"]}");
        assertThat(wrongType.status()).isEqualTo(409);
        assertThat(wrongType.body().get("error").asText()).startsWith("WRONGTYPE");
        assertThat(wrongType.body().get("status").asInt()).isEqualTo(409);

        Answer notAnInteger = cluster.send(VIRGINIA, "POST", "/v1/keys/a-string/increment", "{\"by\":1}");
        assertThat(notAnInteger.status()).isEqualTo(409);

        Answer missing = cluster.get(VIRGINIA, "/v1/keys/never-written");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("status").asInt()).isEqualTo(404);

        assertThat(cluster.send(VIRGINIA, "PUT", "/v1/keys/k", "{not json").status()).isEqualTo(400);
        assertThat(cluster.send(VIRGINIA, "PUT", "/v1/keys/k", "{\"type\":\"list\",\"value\":[]}").status())
                .isEqualTo(400);
        assertThat(cluster.send(VIRGINIA, "POST", "/v1/keys/k/increment", "{\"by\":1.5}").status()).isEqualTo(400);
        assertThat(cluster.send(VIRGINIA, "POST", "/v1/keys/k/members", "{\"add\":[\"x\"],\"remove\":[\"x\"]}")
                .status()).isEqualTo(400);
        assertThat(cluster.get(VIRGINIA, "/v1/keys?limit=0").status()).isEqualTo(400);
        assertThat(cluster.send(VIRGINIA, "POST", "/v1/cluster/partition", "{\"peers\":[\"mars\"]}").status())
                .isEqualTo(400);
        assertThat(cluster.get(VIRGINIA, "/v1/keys/k?encoding=rot13").status()).isEqualTo(400);

        Answer noRoute = cluster.get(VIRGINIA, "/v2/nothing");
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.body().get("status").asInt()).isEqualTo(404);
        // Nothing above changed the key the refused commands named.
        assertThat(cluster.get(VIRGINIA, "/v1/keys/k").status()).isEqualTo(404);
        assertThat(cluster.get(VIRGINIA, "/v1/keys/a-string").body().get("value").asText()).isEqualTo("text");
    }

    @Test
    void oversizedBody_isRefusedWith413() {
        String huge = "x".repeat((int) HttpApi.REQUEST_BODY_BYTES_MAX + 1);
        Answer refused = cluster.send(VIRGINIA, "PUT", "/v1/keys/huge",
                "{\"type\":\"string\",\"value\":\"" + huge + "\"}");
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.body().get("status").asInt()).isEqualTo(413);
        assertThat(cluster.get(VIRGINIA, "/v1/keys/huge").status()).isEqualTo(404);
    }

    @Test
    void health_is200_withStorageAndLinks() {
        awaitTrue("the link to frankfurt is up", () ->
                cluster.get(VIRGINIA, "/health").body().get("links").get("up").asInt() == 1);
        Answer health = cluster.get(VIRGINIA, "/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().get("status").asText()).isEqualTo("serving");
        assertThat(health.body().get("storage").get("fsyncPolicy").asText()).isEqualTo("always");
        assertThat(health.body().get("links").get("total").asInt()).isEqualTo(1);
    }

    @Test
    void cluster_showsPeersLinksAndVectors() {
        put("cluster-probe", "{\"type\":\"string\",\"value\":\"1\"}");
        awaitTrue("frankfurt acknowledged virginia's writes", () -> {
            JsonNode view = cluster.get(VIRGINIA, "/v1/cluster").body();
            JsonNode peer = view.get("peers").get(0);
            return peer.get("state").asText().equals("up") && peer.get("lag").asLong() == 0
                    && peer.get("acknowledged").asLong() == view.get("ownSequence").asLong();
        });
        JsonNode view = cluster.get(VIRGINIA, "/v1/cluster").body();
        assertThat(view.get("replica").asText()).isEqualTo("virginia");
        assertThat(view.get("peers").get(0).get("replica").asText()).isEqualTo("frankfurt");
        assertThat(view.get("versionVector").get("virginia").asLong()).isPositive();
        assertThat(view.get("delivered").get("virginia").asLong()).isPositive();
        assertThat(view.get("partitioned")).isEmpty();
        assertThat(view.get("storage").get("fsyncPolicy").asText()).isEqualTo("always");
    }

    @Test
    void metrics_exposeCommandsLatencyLagAndBuffers() {
        put("metered", "{\"type\":\"string\",\"value\":\"1\"}");
        cluster.get(VIRGINIA, "/v1/keys/metered");
        Answer metrics = cluster.send(HttpRequest.newBuilder(cluster.uri(VIRGINIA, "/metrics")).GET());
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.text()).contains(
                "calmdb_commands_total{command=\"put\",front_door=\"http\"}",
                "calmdb_command_latency_seconds{command=\"get\",front_door=\"http\",quantile=\"0.99\"}",
                "calmdb_replication_lag_deltas{peer=\"frankfurt\"}",
                "calmdb_replication_holdback_messages",
                "calmdb_keyspace_queue_tasks",
                "calmdb_transport_queued_messages{peer=\"frankfurt\"}",
                "calmdb_transport_queued_bytes{peer=\"frankfurt\"}",
                "calmdb_storage_pending_writes");
    }

    @Test
    void metrics_countRespCommandsToo() throws Exception {
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1",
                cluster.node(VIRGINIA).respPort(), 10_000)) {
            jedis.incr("resp-metered");
        }
        String text = cluster.send(HttpRequest.newBuilder(cluster.uri(VIRGINIA, "/metrics")).GET()).text();
        assertThat(text).contains("calmdb_commands_total{command=\"incr\",front_door=\"resp\"}");
    }

    @Test
    void state_showsTheCrdtInternalsAndTheCausalContext() {
        put("inspected", "{\"type\":\"string\",\"value\":\"10\"}");
        cluster.send(VIRGINIA, "POST", "/v1/keys/inspected/increment", "{\"by\":2}");
        Answer state = cluster.get(VIRGINIA, "/v1/keys/inspected/state");
        assertThat(state.status()).isEqualTo(200);
        JsonNode body = state.body();
        assertThat(body.get("replica").asText()).isEqualTo("virginia");
        assertThat(body.get("type").asText()).isEqualTo("string");
        JsonNode kind = body.get("kindRegister").get(0);
        assertThat(kind.get("kind").asText()).isEqualTo("string");
        assertThat(kind.get("dot").get("replica").asText()).isEqualTo("virginia");
        assertThat(kind.get("timestamp").get("physicalMillis").asLong()).isPositive();
        JsonNode string = body.get("string");
        assertThat(string.get("value").asText()).isEqualTo("12");
        assertThat(string.get("registerWrites").get(0).get("value").asText()).isEqualTo("10");
        assertThat(string.get("registerWrites").get(0).get("dot").get("counter").asLong()).isPositive();
        assertThat(string.get("counter").get(0).get("replica").asText()).isEqualTo("virginia");
        assertThat(string.get("counter").get(0).get("increments").asLong()).isEqualTo(2);
        assertThat(body.get("set").get("members")).isEmpty();
        assertThat(body.get("hash").get("fields")).isEmpty();
        assertThat(body.get("context").get("versionVector").get("virginia").asLong()).isPositive();
        assertThat(body.get("delivered").has("virginia")).isTrue();

        cluster.send(VIRGINIA, "POST", "/v1/keys/inspected-set/members", "{\"add\":[\"m\"]}");
        JsonNode set = cluster.get(VIRGINIA, "/v1/keys/inspected-set/state").body().get("set").get("members").get(0);
        assertThat(set.get("member").asText()).isEqualTo("m");
        assertThat(set.get("dots").get(0).get("replica").asText()).isEqualTo("virginia");

        put("inspected-hash", "{\"type\":\"hash\",\"value\":{\"f\":\"v\"}}");
        JsonNode field = cluster.get(VIRGINIA, "/v1/keys/inspected-hash/state").body().get("hash").get("fields").get(0);
        assertThat(field.get("field").asText()).isEqualTo("f");
        assertThat(field.get("value").asText()).isEqualTo("v");
        assertThat(field.get("registerWrites").get(0).get("timestamp").get("physicalMillis").asLong()).isPositive();

        assertThat(cluster.get(VIRGINIA, "/v1/keys/not-there/state").status()).isEqualTo(404);
    }

    @Test
    void utf8KeysAndValues_roundTrip() {
        String key = java.net.URLEncoder.encode("café", StandardCharsets.UTF_8);
        assertThat(put(key, "{\"type\":\"string\",\"value\":\"crème\"}").status()).isEqualTo(200);
        Answer read = cluster.get(VIRGINIA, "/v1/keys/" + key);
        assertThat(read.body().get("key").asText()).isEqualTo("café");
        assertThat(read.body().get("value").asText()).isEqualTo("crème");
    }
}
