package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.fail;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.storage.FsyncPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Three in-process nodes on loopback with their own data directories; closes everything it started. */
final class TestCluster implements AutoCloseable {
    static final List<ReplicaId> REGIONS = List.of(ReplicaId.of("virginia"), ReplicaId.of("frankfurt"), ReplicaId.of("tokyo"));
    static final Duration WAIT_MAX = Duration.ofSeconds(30);

    private final Path root;
    private final Map<ReplicaId, Integer> replicationPorts = new LinkedHashMap<>();
    private final Map<ReplicaId, CalmNode> nodes = new LinkedHashMap<>();

    TestCluster(Path root) {
        this.root = root;
        for (ReplicaId region : REGIONS) {
            replicationPorts.put(region, unusedPort());
        }
        for (ReplicaId region : REGIONS) {
            start(region);
        }
    }

    NodeConfig config(ReplicaId region) {
        NodeConfig.Builder builder = NodeConfig.builder("test-cluster", region, root.resolve(region.name()))
                .fsync(FsyncPolicy.ALWAYS)
                .replication("127.0.0.1", replicationPorts.get(region))
                .limits(new NodeConfig.Limits(16 * 1024 * 1024, 65_536, 500, 300));
        for (ReplicaId peer : REGIONS) {
            if (!peer.equals(region)) {
                builder.peer(peer, "127.0.0.1", replicationPorts.get(peer), Duration.ZERO);
            }
        }
        return builder.build();
    }

    CalmNode start(ReplicaId region) {
        CalmNode node = CalmNode.start(config(region));
        nodes.put(region, node);
        return node;
    }

    void stop(ReplicaId region) {
        CalmNode node = nodes.remove(region);
        if (node != null) {
            node.close();
        }
    }

    CalmNode node(ReplicaId region) {
        return nodes.get(region);
    }

    List<CalmNode> nodes() {
        return new ArrayList<>(nodes.values());
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.onSpinWait();
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
        for (CalmNode node : nodes.values()) {
            node.close();
        }
        nodes.clear();
    }
}
