package io.calmdb.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.storage.FsyncPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Two real nodes whose peer lists disagree: the link between them works in one direction only, or not at all,
 * and {@code INFO replication} and {@code /health} must say so instead of looking healthy.
 */
class OneWayLinkTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId FRANKFURT = ReplicaId.of("frankfurt");
    /** How long the links may take to settle into the state the test expects. */
    private static final Duration SETTLE_WAIT_MAX = Duration.ofSeconds(30);
    /** How long /health may take to turn degraded: the grace itself plus the settling time. */
    private static final Duration DEGRADED_WAIT_MAX =
            Duration.ofMillis(HttpApi.ONE_WAY_GRACE_MILLIS).plus(SETTLE_WAIT_MAX);
    /** How long one HTTP or RESP answer may take. */
    private static final Duration ANSWER_WAIT_MAX = Duration.ofSeconds(10);

    @TempDir
    Path root;
    private final List<CalmServer> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_WAIT_MAX).build();

    @AfterEach
    void stopEveryNode() {
        started.forEach(CalmServer::close);
    }

    @Test
    void peerEntryWithAWrongAddress_showsOneWayOnBothSides_andHealthDegradesAfterTheGrace() {
        int virginiaPort = unusedPort();
        int frankfurtPort = unusedPort();
        int nobodyListens = unusedPort();
        // Virginia's peer list points at the wrong port, so virginia cannot dial frankfurt; frankfurt's entry is
        // right, so frankfurt dials virginia and its writes arrive there. Virginia is receive-only.
        CalmServer virginia = start(VIRGINIA, virginiaPort, FRANKFURT, nobodyListens);
        CalmServer frankfurt = start(FRANKFURT, frankfurtPort, VIRGINIA, virginiaPort);

        String virginiaLink = awaitPeerLine(virginia, "frankfurt", line -> line.contains("link=one-way"));
        assertThat(virginiaLink).contains("outbound=down").contains("inbound=up");
        String frankfurtLink = awaitPeerLine(frankfurt, "virginia", line -> line.contains("link=one-way"));
        assertThat(frankfurtLink).contains("outbound=up").contains("inbound=down");
        assertThat(info(virginia)).contains("one_way_links:1");

        JsonNode virginiaHealth = awaitHealth(virginia, "degraded");
        assertThat(virginiaHealth.get("reasons").get(0).asText()).contains("link to frankfurt is one-way")
                .contains("outbound to frankfurt at 127.0.0.1:" + nobodyListens + " is down");
        JsonNode peer = virginiaHealth.get("links").get("peers").get(0);
        assertThat(peer.get("replica").asText()).isEqualTo("frankfurt");
        assertThat(peer.get("outbound").asText()).isEqualTo("down");
        assertThat(peer.get("inbound").asText()).isEqualTo("up");
        assertThat(peer.get("status").asText()).isEqualTo("one-way");
        assertThat(metrics(virginia)).contains("calmdb_transport_link_one_way{peer=\"frankfurt\"} 1.0")
                .contains("calmdb_transport_link_inbound_up{peer=\"frankfurt\"} 1.0");
        JsonNode frankfurtHealth = awaitHealth(frankfurt, "degraded");
        assertThat(frankfurtHealth.get("reasons").get(0).asText())
                .contains("inbound from virginia is down: virginia's writes do not reach frankfurt");
    }

    @Test
    void nodeMissingFromItsPeersPeerList_refusesThePeer_whichShowsTheLinkDownWithTheRefusal() {
        int virginiaPort = unusedPort();
        // Virginia lists no peers, so it refuses frankfurt's handshake and never dials frankfurt: nothing crosses
        // in either direction. Frankfurt shows the link down, with virginia's refusal as the last error.
        CalmServer virginia = start(VIRGINIA, virginiaPort, null, 0);
        CalmServer frankfurt = start(FRANKFURT, unusedPort(), VIRGINIA, virginiaPort);

        String link = awaitPeerLine(frankfurt, "virginia", line -> line.contains("link=down"));
        assertThat(link).contains("outbound=down").contains("inbound=down");
        JsonNode cluster = awaitJson(frankfurt, "/v1/cluster", body ->
                !body.get("peers").get(0).get("lastError").isNull());
        assertThat(cluster.get("peers").get(0).get("lastError").asText())
                .contains("rejected by virginia (UNKNOWN_REPLICA)")
                // Without a cluster secret the dialer is a stranger: the refusal names nothing of virginia's.
                .doesNotContain("not a configured peer of virginia");
        assertThat(info(virginia)).contains("peers:0");
    }

    private CalmServer start(ReplicaId replica, int replicationPort, ReplicaId peer, int peerPort) {
        NodeConfig.Builder builder = NodeConfig.builder("one-way-test", replica, root.resolve(replica.name()))
                .fsync(FsyncPolicy.ALWAYS)
                .replication("127.0.0.1", replicationPort);
        if (peer != null) {
            builder.peer(peer, "127.0.0.1", peerPort, Duration.ZERO);
        }
        CalmServer server = CalmServer.start(builder.build());
        started.add(server);
        return server;
    }

    private static String info(CalmServer server) {
        try (Jedis client = new Jedis("127.0.0.1", server.node().respPort(), (int) ANSWER_WAIT_MAX.toMillis())) {
            return client.info("replication");
        }
    }

    /** The INFO line describing the link to {@code peer}, once it satisfies {@code wanted}. */
    private static String awaitPeerLine(CalmServer server, String peer, java.util.function.Predicate<String> wanted) {
        return await("the INFO line for " + peer + " on " + server.node().replica(), SETTLE_WAIT_MAX,
                () -> info(server).lines().filter(line -> line.contains("id=" + peer + ",")).findFirst()
                        .filter(wanted));
    }

    private JsonNode awaitHealth(CalmServer server, String status) {
        return awaitJson(server, "/health", body -> body.get("status").asText().equals(status), DEGRADED_WAIT_MAX);
    }

    private JsonNode awaitJson(CalmServer server, String path, java.util.function.Predicate<JsonNode> wanted) {
        return awaitJson(server, path, wanted, SETTLE_WAIT_MAX);
    }

    private JsonNode awaitJson(CalmServer server, String path, java.util.function.Predicate<JsonNode> wanted,
                               Duration waitMax) {
        return await(path + " on " + server.node().replica(), waitMax, () -> Optional.of(get(server, path))
                .filter(wanted));
    }

    private JsonNode get(CalmServer server, String path) {
        try {
            return HttpApi.JSON.readTree(text(server, path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String metrics(CalmServer server) {
        return text(server, "/metrics");
    }

    private String text(CalmServer server, String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + path)).timeout(ANSWER_WAIT_MAX).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static <T> T await(String what, Duration waitMax, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + waitMax.toNanos();
        while (true) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > deadline) {
                return fail("timed out after " + waitMax + " waiting for " + what);
            }
            try {
                // A short pause between probes of the condition, not a wait for time to pass.
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted while waiting for " + what);
            }
        }
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
