package io.calmdb.server.http;

import static io.calmdb.server.http.HttpTestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.http.HttpTestCluster.Answer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/cluster/partition} and {@code /heal} really cut and restore replication between three nodes. */
class HttpPartitionTest {
    private static final ReplicaId VIRGINIA = HttpTestCluster.REGIONS.get(0);
    private static final ReplicaId FRANKFURT = HttpTestCluster.REGIONS.get(1);
    private static final ReplicaId TOKYO = HttpTestCluster.REGIONS.get(2);

    @TempDir
    Path directory;

    private HttpTestCluster cluster;

    @BeforeEach
    void start() {
        cluster = new HttpTestCluster(directory, 3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private List<String> members(ReplicaId region, String key) {
        Answer answer = cluster.get(region, "/v1/keys/" + key);
        List<String> result = new ArrayList<>();
        if (answer.status() == 200) {
            answer.body().get("value").forEach(member -> result.add(member.asText()));
        }
        return result;
    }

    private void add(ReplicaId region, String key, String member) {
        Answer answer = cluster.send(region, "POST", "/v1/keys/" + key + "/members", "{\"add\":[\"" + member + "\"]}");
        assertThat(answer.status()).isEqualTo(200);
    }

    private JsonNode peer(ReplicaId region, ReplicaId peer) {
        for (JsonNode link : cluster.get(region, "/v1/cluster").body().get("peers")) {
            if (link.get("replica").asText().equals(peer.name())) {
                return link;
            }
        }
        throw new AssertionError("no link from " + region + " to " + peer);
    }

    @Test
    void partition_stopsReplication_andHealRestoresIt() {
        awaitTrue("every link up", () -> List.of(VIRGINIA, FRANKFURT, TOKYO).stream().allMatch(region ->
                cluster.get(region, "/health").body().get("links").get("up").asInt() == 2));

        Answer cut = cluster.send(VIRGINIA, "POST", "/v1/cluster/partition", "{\"peers\":[\"frankfurt\",\"tokyo\"]}");
        assertThat(cut.status()).isEqualTo(200);
        assertThat(cut.body().get("partitioned")).hasSize(2);
        assertThat(peer(VIRGINIA, FRANKFURT).get("state").asText()).isEqualTo("partitioned");

        add(VIRGINIA, "seen", "from-virginia");
        add(FRANKFURT, "seen", "from-frankfurt");
        // Replication between frankfurt and tokyo still flows; once tokyo has frankfurt's write, and anti-entropy
        // has had rounds to run, virginia's write has had every chance to leak through a link that was not cut.
        awaitTrue("tokyo sees frankfurt's write", () -> members(TOKYO, "seen").contains("from-frankfurt"));
        awaitTrue("virginia reports lag to frankfurt",
                () -> peer(VIRGINIA, FRANKFURT).get("lag").asLong() >= 1);
        assertThat(members(FRANKFURT, "seen")).containsExactly("from-frankfurt");
        assertThat(members(TOKYO, "seen")).containsExactly("from-frankfurt");
        assertThat(members(VIRGINIA, "seen")).containsExactly("from-virginia");

        Answer healed = cluster.send(VIRGINIA, "POST", "/v1/cluster/heal", "");
        assertThat(healed.status()).isEqualTo(200);
        assertThat(healed.body().get("partitioned")).isEmpty();
        for (ReplicaId region : List.of(VIRGINIA, FRANKFURT, TOKYO)) {
            awaitTrue(region + " sees both writes after the heal", () ->
                    members(region, "seen").equals(List.of("from-frankfurt", "from-virginia")));
        }
        awaitTrue("virginia's lag to frankfurt drains", () -> peer(VIRGINIA, FRANKFURT).get("lag").asLong() == 0);
    }

    @Test
    void heal_ofOnePeer_restoresOnlyThatLink() {
        cluster.send(VIRGINIA, "POST", "/v1/cluster/partition", "{\"peers\":[\"frankfurt\",\"tokyo\"]}");
        Answer healed = cluster.send(VIRGINIA, "POST", "/v1/cluster/heal", "{\"peers\":[\"tokyo\"]}");
        assertThat(healed.status()).isEqualTo(200);
        assertThat(healed.body().get("partitioned")).hasSize(1);
        assertThat(healed.body().get("partitioned").get(0).asText()).isEqualTo("frankfurt");
        add(VIRGINIA, "half", "v");
        awaitTrue("tokyo receives virginia's write", () -> members(TOKYO, "half").contains("v"));
    }
}
