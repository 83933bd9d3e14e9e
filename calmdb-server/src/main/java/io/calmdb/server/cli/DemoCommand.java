package io.calmdb.server.cli;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.storage.FsyncPolicy;
import io.calmdb.sim.Region;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code calmdb demo}: three regions (virginia, frankfurt, tokyo) on loopback in one process, each with its own
 * data directory, RESP port and replication port, replicating to each other. Ctrl-C stops them cleanly.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start three regions (virginia, frankfurt, tokyo) on loopback and replicate between them.")
public final class DemoCommand implements Callable<Integer> {
    /** The first RESP port; the regions take this and the next two. */
    static final int RESP_PORT_BASE = 6380;
    /** The first HTTP port; the regions take this and the next two. */
    static final int HTTP_PORT_BASE = 7080;
    /** The first replication port; the regions take this and the next two. */
    static final int REPLICATION_PORT_BASE = 7380;

    @Option(names = "--wan", description = "Delay every link by half the regions' round trip "
            + "(Virginia-Frankfurt 40 ms, Virginia-Tokyo 180 ms, Frankfurt-Tokyo 230 ms).")
    private boolean wan;

    @Option(names = "--data", paramLabel = "DIR", description = "Where the regions keep their data "
            + "(default: $CALMDB_HOME/demo, or .calmdb/demo).")
    private Path data;

    @Option(names = "--fsync", paramLabel = "POLICY", defaultValue = "everysec",
            description = "always, everysec or no, as Redis's appendfsync (default: ${DEFAULT-VALUE}).")
    private String fsync;

    @Override
    public Integer call() throws InterruptedException {
        Path root = data != null ? data
                : Path.of(System.getenv().getOrDefault("CALMDB_HOME", ".calmdb")).resolve("demo");
        FsyncPolicy policy;
        try {
            policy = FsyncPolicy.fromConfigName(fsync);
        } catch (IllegalArgumentException e) {
            System.err.println("calmdb demo: --fsync must be " + FsyncPolicy.CONFIG_NAMES + ", got '" + fsync + "'");
            return 2;
        }
        Region[] regions = Region.values();
        List<CalmServer> nodes = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println();
            System.out.println("stopping the three regions...");
            for (CalmServer node : nodes) {
                node.close();
            }
            stopped.countDown();
        }, "calmdb-demo-shutdown"));
        try {
            for (int i = 0; i < regions.length; i++) {
                nodes.add(CalmServer.start(config(root, regions, i, policy)));
            }
        } catch (RuntimeException e) {
            System.err.println("calmdb demo: cannot start: " + e.getMessage());
            System.err.println("  (is another demo running? ports " + RESP_PORT_BASE + "-" + (RESP_PORT_BASE + 2)
                    + ", " + HTTP_PORT_BASE + "-" + (HTTP_PORT_BASE + 2) + " and " + REPLICATION_PORT_BASE + "-"
                    + (REPLICATION_PORT_BASE + 2) + " must be free)");
            return 1;
        }
        printBanner(root, regions, policy, nodes);
        stopped.await();
        return 0;
    }

    private NodeConfig config(Path root, Region[] regions, int index, FsyncPolicy policy) {
        NodeConfig.Builder builder = NodeConfig.builder("calmdb-demo", replica(regions[index]),
                        root.resolve(replica(regions[index]).name()))
                .fsync(policy)
                .resp("127.0.0.1", RESP_PORT_BASE + index)
                .http("127.0.0.1", HTTP_PORT_BASE + index)
                .replication("127.0.0.1", REPLICATION_PORT_BASE + index);
        for (int j = 0; j < regions.length; j++) {
            if (j != index) {
                Duration latency = wan ? Duration.ofMillis(regions[index].roundTripMillis(regions[j]) / 2) : Duration.ZERO;
                builder.peer(replica(regions[j]), "127.0.0.1", REPLICATION_PORT_BASE + j, latency);
            }
        }
        return builder.build();
    }

    private static ReplicaId replica(Region region) {
        return ReplicaId.of(region.name().toLowerCase(Locale.ROOT));
    }

    private void printBanner(Path root, Region[] regions, FsyncPolicy policy, List<CalmServer> nodes) {
        System.out.println("CalmDB demo: three regions replicating on loopback"
                + (wan ? " with wide-area latencies" : "") + ", fsync " + policy.configName() + ", data in " + root);
        System.out.println();
        for (int i = 0; i < regions.length; i++) {
            System.out.printf("  %-10s redis-cli -p %d    http://127.0.0.1:%d/v1/cluster%n", replica(regions[i]).name(),
                    nodes.get(i).node().respPort(), nodes.get(i).httpPort());
        }
        System.out.println();
        System.out.println("Try:  redis-cli -p 6380 INCR x    then    redis-cli -p 6381 GET x");
        System.out.println("      redis-cli -p 6382 CLUSTER PARTITION virginia frankfurt   (and CLUSTER HEAL)");
        System.out.println("      curl -s 127.0.0.1:" + HTTP_PORT_BASE + "/v1/keys/x/state    curl -s 127.0.0.1:"
                + HTTP_PORT_BASE + "/metrics    (docs/http.md)");
        System.out.println("Press Ctrl-C to stop.");
        System.out.flush();
    }
}
