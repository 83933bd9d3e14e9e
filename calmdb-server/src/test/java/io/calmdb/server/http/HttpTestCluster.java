package io.calmdb.server.http;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.CalmNode;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * In-process nodes on loopback for the HTTP tests, every port ephemeral (HTTP and RESP bind port 0; replication
 * ports are picked first because peers must know them), plus a small JSON client over {@link HttpClient}.
 */
final class HttpTestCluster implements AutoCloseable {
    static final List<ReplicaId> REGIONS = List.of(ReplicaId.of("virginia"), ReplicaId.of("frankfurt"),
            ReplicaId.of("tokyo"));
    static final Duration WAIT_MAX = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    private final Map<ReplicaId, CalmServer> nodes = new LinkedHashMap<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** A JSON answer: the status code and the parsed body. */
    record Answer(int status, JsonNode body, String text) {}

    HttpTestCluster(Path root, int size) {
        List<ReplicaId> regions = REGIONS.subList(0, size);
        Map<ReplicaId, Integer> replicationPorts = new LinkedHashMap<>();
        for (ReplicaId region : regions) {
            replicationPorts.put(region, unusedPort());
        }
        try {
            for (ReplicaId region : regions) {
                NodeConfig.Builder builder = NodeConfig.builder("http-test", region, root.resolve(region.name()))
                        .fsync(FsyncPolicy.ALWAYS)
                        .replication("127.0.0.1", replicationPorts.get(region))
                        .limits(new NodeConfig.Limits(16 * 1024 * 1024, 65_536, 500, 300));
                for (ReplicaId peer : regions) {
                    if (!peer.equals(region)) {
                        builder.peer(peer, "127.0.0.1", replicationPorts.get(peer), Duration.ZERO);
                    }
                }
                nodes.put(region, CalmServer.start(builder.build()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    CalmNode node(ReplicaId region) {
        return nodes.get(region).node();
    }

    URI uri(ReplicaId region, String path) {
        return URI.create("http://127.0.0.1:" + nodes.get(region).httpPort() + path);
    }

    Answer get(ReplicaId region, String path) {
        return send(HttpRequest.newBuilder(uri(region, path)).GET());
    }

    Answer delete(ReplicaId region, String path) {
        return send(HttpRequest.newBuilder(uri(region, path)).DELETE());
    }

    Answer send(ReplicaId region, String method, String path, String body) {
        return send(HttpRequest.newBuilder(uri(region, path)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            JsonNode body = text.startsWith("{") || text.startsWith("[") ? JSON.readTree(text) : null;
            return new Answer(response.statusCode(), body, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
        fail("timed out after " + WAIT_MAX + " waiting for " + what);
    }

    static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (CalmServer node : nodes.values()) {
            node.close();
        }
        nodes.clear();
    }
}
