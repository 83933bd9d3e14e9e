package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.storage.FsyncPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code QUORUM R n} and {@code ?r=n} on three real nodes over loopback. Anti-entropy is slowed to minutes, so a
 * write that a region's links did not carry stays missing from its local replica for the whole test: a local read
 * there misses it, and only a quorum read through another region can see it.
 */
class QuorumReadClusterTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId FRANKFURT = ReplicaId.of("frankfurt");
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    private static final List<ReplicaId> REGIONS = List.of(VIRGINIA, FRANKFURT, TOKYO);
    /** This engineer's loopback port range (see the helper brief), searched for free ports. */
    private static final int PORT_FIRST = 27_000;
    private static final int PORT_LAST = 27_999;
    private static int nextPortCandidate = PORT_FIRST + (int) (ProcessHandle.current().pid() % 500);

    @TempDir
    Path root;
    private final Map<ReplicaId, CalmServer> servers = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void startThreeRegions() {
        Map<ReplicaId, Integer> replicationPorts = new LinkedHashMap<>();
        for (ReplicaId region : REGIONS) {
            replicationPorts.put(region, freePortInRange());
        }
        for (ReplicaId region : REGIONS) {
            NodeConfig.Builder builder = NodeConfig.builder("quorum-test", region, root.resolve(region.name()))
                    .fsync(FsyncPolicy.ALWAYS)
                    .resp("127.0.0.1", freePortInRange())
                    .http("127.0.0.1", freePortInRange())
                    .replication("127.0.0.1", replicationPorts.get(region))
                    .limits(new NodeConfig.Limits(16 * 1024 * 1024, 65_536, 500, 600_000));
            for (ReplicaId peer : REGIONS) {
                if (!peer.equals(region)) {
                    builder.peer(peer, "127.0.0.1", replicationPorts.get(peer), Duration.ZERO);
                }
            }
            servers.put(region, CalmServer.start(builder.build()));
        }
    }

    @AfterEach
    void stopEverything() {
        servers.values().forEach(CalmServer::close);
    }

    private Jedis client(ReplicaId region) {
        return new Jedis("127.0.0.1", servers.get(region).node().respPort(), 10_000);
    }

    private static Object send(Jedis client, String command, String... arguments) {
        return client.sendCommand(() -> command.getBytes(StandardCharsets.UTF_8), arguments);
    }

    private static String text(Object reply) {
        return reply == null ? null : new String((byte[]) reply, StandardCharsets.UTF_8);
    }

    /** Waits until every region acknowledged a write of {@code from}: every link is up. */
    private static void awaitLinksUp(Jedis from) {
        from.set("warm-up", "1");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (from.waitReplicas(2, 500) == 2) {
                return;
            }
        }
        throw new AssertionError("the links did not come up within 30 s");
    }

    @Test
    void aQuorumReadAtACutOffRegion_seesAWriteAcknowledgedByAnother_whereALocalReadMissesIt() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT)) {
            awaitLinksUp(virginia);
            assertThat(send(frankfurt, "CLUSTER", "PARTITION", "virginia")).isNotNull();
            virginia.set("k", "v1");
            virginia.hset("h", Map.of("f", "1", "g", "2"));
            virginia.sadd("s", "x", "y");
            assertThat(virginia.waitReplicas(1, 10_000)).as("tokyo acknowledged").isEqualTo(1);

            assertThat(frankfurt.get("k")).as("frankfurt's local replica misses the write").isNull();
            assertThat(text(send(frankfurt, "QUORUM", "R", "2", "GET", "k"))).isEqualTo("v1");
            assertThat(frankfurt.get("k")).as("the quorum read repaired frankfurt's replica").isEqualTo("v1");

            assertThat(frankfurt.hgetAll("h")).isEmpty();
            @SuppressWarnings("unchecked")
            List<byte[]> fields = (List<byte[]>) send(frankfurt, "QUORUM", "R", "2", "HGETALL", "h");
            assertThat(fields).extracting(bytes -> new String(bytes, StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("f", "1", "g", "2");
            assertThat(frankfurt.hgetAll("h")).isEqualTo(Map.of("f", "1", "g", "2"));
            @SuppressWarnings("unchecked")
            List<byte[]> members = (List<byte[]>) send(frankfurt, "QUORUM", "R", "2", "TIMEOUT", "2000", "SMEMBERS",
                    "s");
            assertThat(members).extracting(bytes -> new String(bytes, StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("x", "y");

            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "3", "TIMEOUT", "300", "GET", "k"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("QUORUM timed out after 300 ms: 2 of 3 replicas answered (this one included); the "
                            + "read was not served locally");
        }
    }

    @Test
    void aQuorumReadThatHearsALaggingRegion_repairsIt() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT); Jedis tokyo = client(TOKYO)) {
            awaitLinksUp(virginia);
            send(frankfurt, "CLUSTER", "PARTITION", "virginia");
            virginia.sadd("s", "x");
            assertThat(virginia.waitReplicas(1, 10_000)).isEqualTo(1);
            assertThat(frankfurt.smembers("s")).isEmpty();

            @SuppressWarnings("unchecked")
            List<byte[]> members = (List<byte[]>) send(tokyo, "QUORUM", "R", "3", "SMEMBERS", "s");
            assertThat(members).extracting(bytes -> new String(bytes, StandardCharsets.UTF_8)).containsExactly("x");

            TestCluster.awaitTrue("frankfurt repaired by tokyo's read", () -> frankfurt.sismember("s", "x"));
            assertThat(tokyo.info("quorum")).contains("quorum_repairs_sent:1");
            assertThat(frankfurt.info("quorum")).contains("quorum_repairs_received:1");
        }
    }

    @Test
    void aQuorumReadAtARegionCutOffFromEveryone_timesOutWithTheClearError() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT)) {
            awaitLinksUp(virginia);
            assertThat(send(frankfurt, "CLUSTER", "PARTITION", "virginia", "tokyo")).isNotNull();
            virginia.set("k", "v1");

            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "2", "TIMEOUT", "300", "GET", "k"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("QUORUM timed out after 300 ms: 1 of 2 replicas answered (this one included); the "
                            + "read was not served locally");
            assertThat(text(send(frankfurt, "QUORUM", "R", "1", "GET", "k"))).as("R 1 is a local read").isNull();

            String info = frankfurt.info("quorum");
            assertThat(info).contains("# Quorum", "quorum_cluster_size:3", "quorum_reads_timed_out:1",
                    "quorum_reads_served:1", "quorum_r_seeing_wait_1:2", "quorum_majority:WAIT 1 + QUORUM R 2: W+R>N "
                            + "holds");
        }
    }

    @Test
    void badQuorumArguments_getClearErrors() {
        try (Jedis frankfurt = client(FRANKFURT)) {
            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "4", "GET", "k"))
                    .hasMessage("ERR QUORUM R 4 exceeds the cluster size 3 (N regions, this one included)");
            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "0", "GET", "k"))
                    .hasMessage(QuorumCommands.R_TOO_SMALL);
            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "2", "SET", "k", "v"))
                    .hasMessageContaining("wraps read commands only, and 'set' is not one");
            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "2", "GET"))
                    .hasMessage("ERR wrong number of arguments for 'get' command");
            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "R", "2", "DBSIZE", "x"))
                    .isInstanceOf(JedisDataException.class);
            assertThatThrownBy(() -> send(frankfurt, "QUORUM", "W", "2", "GET", "k"))
                    .hasMessageStartingWith("ERR syntax");
        }
    }

    @Test
    void httpKeyReads_takeR_andTimeOutWith504WhenTooFewRegionsAnswer() throws Exception {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT)) {
            awaitLinksUp(virginia);
            send(frankfurt, "CLUSTER", "PARTITION", "virginia");
            virginia.set("k", "v1");
            assertThat(virginia.waitReplicas(1, 10_000)).isEqualTo(1);

            assertThat(get(FRANKFURT, "/v1/keys/k").statusCode()).as("a local read misses it").isEqualTo(404);
            HttpResponse<String> quorum = get(FRANKFURT, "/v1/keys/k?r=2");
            assertThat(quorum.statusCode()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(quorum.body());
            assertThat(body.toString()).contains("v1");

            assertThat(get(FRANKFURT, "/v1/keys/k?r=4").statusCode()).isEqualTo(400);
            HttpResponse<String> timedOut = get(FRANKFURT, "/v1/keys/k?r=3&timeout=300");
            assertThat(timedOut.statusCode()).isEqualTo(504);
            assertThat(timedOut.body()).contains("QUORUM timed out after 300 ms: 2 of 3 replicas answered");
        }
    }

    private HttpResponse<String> get(ReplicaId region, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(region).httpPort()
                + path)).timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static synchronized int freePortInRange() {
        for (int tried = 0; tried <= PORT_LAST - PORT_FIRST; tried++) {
            int port = nextPortCandidate;
            nextPortCandidate = port == PORT_LAST ? PORT_FIRST : port + 1;
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // Try the next one.
            }
        }
        throw new IllegalStateException("no free loopback port in " + PORT_FIRST + "-" + PORT_LAST);
    }
}
