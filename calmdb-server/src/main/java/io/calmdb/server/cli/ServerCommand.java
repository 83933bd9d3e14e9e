package io.calmdb.server.cli;

import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code calmdb server --config FILE}: runs one node, for a real deployment with one node per machine. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run one CalmDB node from a YAML configuration file (see docs/deployment.md).")
public final class ServerCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's YAML configuration.")
    private Path config;

    @Override
    public Integer call() throws InterruptedException {
        NodeConfig nodeConfig;
        try {
            nodeConfig = NodeConfig.load(config);
        } catch (IllegalArgumentException e) {
            System.err.println("calmdb server: " + e.getMessage());
            return 2;
        }
        CalmServer server;
        try {
            server = CalmServer.start(nodeConfig);
        } catch (RuntimeException e) {
            System.err.println("calmdb server: cannot start node " + nodeConfig.replica() + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "calmdb-shutdown"));
        System.out.printf("calmdb node %s of cluster %s: RESP on %s:%d, HTTP on %s:%d, replication on %s:%d, "
                        + "data in %s, fsync %s%n", nodeConfig.replica(), nodeConfig.cluster(), nodeConfig.resp().host(),
                server.node().respPort(), nodeConfig.http().host(), server.httpPort(), nodeConfig.replication().host(),
                server.node().replicationPort(), nodeConfig.dataDirectory(),
                nodeConfig.fsync().configName());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
