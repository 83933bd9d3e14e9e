package io.calmdb.server.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TEST FIXTURE: a cluster of node processes on loopback. Every port is chosen before any node starts, so a node
 * restarted after {@code kill -9} comes back at the same addresses with the same data directory, and its peers
 * reconnect to it by themselves. Created through {@link ProcessClusters}, which prints every node's logs when the
 * test fails and kills whatever is still running when it ends.
 */
final class ProcessCluster {
    /** The cluster name written into every node's configuration. */
    static final String CLUSTER_NAME = "faults";
    /** Short checkpoint and anti-entropy intervals, so recovery and repair happen within a test's few seconds. */
    static final long CHECKPOINT_INTERVAL_MILLIS = 500;
    static final long ANTI_ENTROPY_INTERVAL_MILLIS = 300;

    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();

    ProcessCluster(Path root, List<String> replicas, String fsync) {
        Map<String, Integer> replicationPorts = new LinkedHashMap<>();
        Map<String, int[]> clientPorts = new LinkedHashMap<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            // Hold every probe socket until all ports are chosen, so no two nodes are given the same port.
            for (String replica : replicas) {
                replicationPorts.put(replica, probe(held));
                clientPorts.put(replica, new int[] {probe(held), probe(held)});
            }
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // The port was only probed.
                }
            }
        }
        for (String replica : replicas) {
            Path directory = root.resolve(replica);
            StringBuilder yaml = new StringBuilder();
            yaml.append("cluster: ").append(CLUSTER_NAME).append('\n');
            yaml.append("replica: ").append(replica).append('\n');
            yaml.append("dataDirectory: ").append(directory.resolve("data")).append('\n');
            yaml.append("fsync: ").append(fsync).append('\n');
            yaml.append("resp:        { host: 127.0.0.1, port: ").append(clientPorts.get(replica)[0]).append(" }\n");
            yaml.append("http:        { host: 127.0.0.1, port: ").append(clientPorts.get(replica)[1]).append(" }\n");
            yaml.append("replication: { host: 127.0.0.1, port: ").append(replicationPorts.get(replica)).append(" }\n");
            yaml.append("peers:").append(replicas.size() == 1 ? " []\n" : "\n");
            for (String peer : replicas) {
                if (!peer.equals(replica)) {
                    yaml.append("  - { replica: ").append(peer).append(", host: 127.0.0.1, port: ")
                            .append(replicationPorts.get(peer)).append(" }\n");
                }
            }
            yaml.append("limits:\n");
            yaml.append("  checkpointIntervalMillis: ").append(CHECKPOINT_INTERVAL_MILLIS).append('\n');
            yaml.append("  antiEntropyIntervalMillis: ").append(ANTI_ENTROPY_INTERVAL_MILLIS).append('\n');
            Path configFile = directory.resolve("node.yaml");
            try {
                Files.createDirectories(directory);
                Files.writeString(configFile, yaml.toString(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            nodes.put(replica, new NodeProcess(replica, configFile, clientPorts.get(replica)[0]));
        }
    }

    private static int probe(List<ServerSocket> held) {
        try {
            ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            held.add(socket);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Launches every node, then waits (bounded) until each one serves; the JVMs start in parallel. */
    ProcessCluster startAll() {
        nodes.values().forEach(NodeProcess::launch);
        nodes.values().forEach(NodeProcess::awaitServing);
        return this;
    }

    NodeProcess node(String replica) {
        NodeProcess node = nodes.get(replica);
        if (node == null) {
            throw new IllegalArgumentException("replica " + replica + " is not in this cluster: " + nodes.keySet());
        }
        return node;
    }

    List<NodeProcess> nodes() {
        return List.copyOf(nodes.values());
    }

    String logs() {
        StringBuilder logs = new StringBuilder();
        nodes.values().forEach(node -> logs.append(node.logs()));
        return logs.toString();
    }

    /** SIGTERM to every running node at once, then SIGKILL to any that remain. */
    void destroyAll() {
        nodes.values().forEach(NodeProcess::signalStop);
        for (NodeProcess node : nodes.values()) {
            try {
                node.awaitStopped();
            } catch (AssertionError | RuntimeException e) {
                System.err.println("stopping " + node.replica() + ": " + e.getMessage());
            }
            node.destroy();
        }
    }
}
