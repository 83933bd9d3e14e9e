package io.calmdb.server.cli;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.storage.FsyncPolicy;
import io.calmdb.sim.Region;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code calmdb demo}: three regions (virginia, frankfurt, tokyo) on loopback in one process, each with its own
 * data directory, RESP, HTTP and replication port, replicating to each other. {@code --port-base N} moves all nine
 * ports to N..N+8, so a demo can run beside another or beside a Redis. Ctrl-C stops them cleanly.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start three regions (virginia, frankfurt, tokyo) on loopback and replicate between them.")
public final class DemoCommand implements Callable<Integer> {
    /** The first RESP port without {@code --port-base}; the regions take this and the next two. */
    static final int RESP_PORT_BASE = 6380;
    /** The first HTTP port without {@code --port-base}; the regions take this and the next two. */
    static final int HTTP_PORT_BASE = 7080;
    /** The first replication port without {@code --port-base}; the regions take this and the next two. */
    static final int REPLICATION_PORT_BASE = 7380;
    /** How many ports the demo binds: RESP, HTTP and replication for each of the three regions. */
    static final int PORTS_PER_DEMO = 9;
    /** How long {@code --tls} waits for {@code scripts/make-ca.sh} to make the CA and certificates, in seconds. */
    static final long CERTIFICATES_WAIT_SECONDS_MAX = 120;
    /** The lowest {@code --port-base}: ports below are privileged on most systems. */
    static final int PORT_BASE_MIN = 1024;
    /** The highest {@code --port-base}: the ninth port must still be a valid port. */
    static final int PORT_BASE_MAX = 65535 - (PORTS_PER_DEMO - 1);

    /**
     * Where the demo's regions listen: region {@code i} (0, 1, 2 in {@link Region} order) serves RESP on
     * {@code respFirst + i}, HTTP on {@code httpFirst + i} and replication on {@code replicationFirst + i}.
     */
    record PortPlan(int respFirst, int httpFirst, int replicationFirst) {
        /** The ports the demo has always used: 6380-6382, 7080-7082, 7380-7382. */
        static PortPlan classic() {
            return new PortPlan(RESP_PORT_BASE, HTTP_PORT_BASE, REPLICATION_PORT_BASE);
        }

        /**
         * Nine consecutive ports from {@code base}: RESP on base..base+2, HTTP on base+3..base+5, replication
         * on base+6..base+8.
         *
         * @throws IllegalArgumentException if {@code base} is outside [{@link #PORT_BASE_MIN},
         *     {@link #PORT_BASE_MAX}]
         */
        static PortPlan fromBase(int base) {
            if (base < PORT_BASE_MIN || base > PORT_BASE_MAX) {
                throw new IllegalArgumentException("--port-base must be between " + PORT_BASE_MIN + " and "
                        + PORT_BASE_MAX + " (the demo takes " + PORTS_PER_DEMO + " consecutive ports from it), got "
                        + base);
            }
            return new PortPlan(base, base + 3, base + 6);
        }

        int resp(int region) {
            return respFirst + region;
        }

        int http(int region) {
            return httpFirst + region;
        }

        int replication(int region) {
            return replicationFirst + region;
        }

        /** The ranges, for a message about ports that are taken. */
        String describe() {
            return "RESP " + respFirst + "-" + (respFirst + 2) + ", HTTP " + httpFirst + "-" + (httpFirst + 2)
                    + " and replication " + replicationFirst + "-" + (replicationFirst + 2);
        }
    }

    @Option(names = "--wan", description = "Delay every link by half the regions' round trip "
            + "(Virginia-Frankfurt 40 ms, Virginia-Tokyo 180 ms, Frankfurt-Tokyo 230 ms).")
    private boolean wan;

    @Option(names = "--data", paramLabel = "DIR", description = "Where the regions keep their data "
            + "(default: $CALMDB_HOME/demo, or .calmdb/demo).")
    private Path data;

    @Option(names = "--port-base", paramLabel = "N", description = "Listen on the nine ports from N: RESP on "
            + "N..N+2, HTTP on N+3..N+5, replication on N+6..N+8 (N between " + PORT_BASE_MIN + " and " + PORT_BASE_MAX
            + "; default: RESP 6380-6382, HTTP 7080-7082, replication 7380-7382).")
    private Integer portBase;

    @Option(names = "--fsync", paramLabel = "POLICY", defaultValue = "everysec",
            description = "always, everysec or no, as Redis's appendfsync (default: ${DEFAULT-VALUE}).")
    private String fsync;

    @Option(names = "--tls", description = "Make a private CA and a certificate per region (scripts/make-ca.sh, "
            + "into DATA/tls) and serve RESP and HTTP over TLS only, with mutual TLS bound to region names on the "
            + "region links.")
    private boolean tls;

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
        PortPlan ports;
        try {
            ports = portBase == null ? PortPlan.classic() : PortPlan.fromBase(portBase);
        } catch (IllegalArgumentException e) {
            System.err.println("calmdb demo: " + e.getMessage());
            return 2;
        }
        Region[] regions = Region.values();
        if (tls) {
            try {
                makeCertificates(root.resolve("tls"));
            } catch (IllegalStateException e) {
                System.err.println("calmdb demo: --tls: " + e.getMessage());
                return 1;
            }
        }
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
            nodes.addAll(startRegions(root, policy, ports));
        } catch (RuntimeException e) {
            System.err.println("calmdb demo: cannot start: " + e.getMessage());
            System.err.println("  (is another demo running? ports " + ports.describe() + " must be free; "
                    + "--port-base N moves all nine)");
            return 1;
        }
        printBanner(root, regions, policy, nodes);
        stopped.await();
        return 0;
    }

    /** Starts the three regions on {@code ports}; if one cannot start, those already started are closed. */
    List<CalmServer> startRegions(Path root, FsyncPolicy policy, PortPlan ports) {
        Region[] regions = Region.values();
        List<CalmServer> started = new ArrayList<>();
        try {
            for (int i = 0; i < regions.length; i++) {
                started.add(CalmServer.start(config(root, regions, i, policy, ports)));
            }
        } catch (RuntimeException e) {
            started.forEach(CalmServer::close);
            throw e;
        }
        return started;
    }

    private NodeConfig config(Path root, Region[] regions, int index, FsyncPolicy policy, PortPlan ports) {
        NodeConfig.Builder builder = NodeConfig.builder("calmdb-demo", replica(regions[index]),
                        root.resolve(replica(regions[index]).name()))
                .fsync(policy)
                .resp("127.0.0.1", ports.resp(index))
                .http("127.0.0.1", ports.http(index))
                .replication("127.0.0.1", ports.replication(index));
        for (int j = 0; j < regions.length; j++) {
            if (j != index) {
                Duration latency = wan ? Duration.ofMillis(regions[index].roundTripMillis(regions[j]) / 2) : Duration.ZERO;
                builder.peer(replica(regions[j]), "127.0.0.1", ports.replication(j), latency);
            }
        }
        if (tls) {
            Path dir = root.resolve("tls").toAbsolutePath();
            String name = replica(regions[index]).name();
            builder.security(NodeConfig.Security.defaults().withTls(new NodeConfig.Tls(dir.resolve(name + ".crt"),
                    dir.resolve(name + ".key"), dir.resolve("ca.crt"), false)));
        }
        return builder.build();
    }

    /** Serves RESP and HTTP over TLS only and runs region links over mutual TLS, as {@code --tls} does. */
    DemoCommand withTls() {
        tls = true;
        return this;
    }

    /**
     * Runs {@code scripts/make-ca.sh DIR virginia frankfurt tokyo}, found under {@code CALMDB_ROOT} (the launcher
     * sets it) or the working directory or its parent; the script keeps certificates made by an earlier run.
     *
     * @throws IllegalStateException when the script is missing or fails
     */
    static void makeCertificates(Path dir) throws InterruptedException {
        String home = System.getenv("CALMDB_ROOT");
        List<Path> candidates = home != null ? List.of(Path.of(home)) : List.of(Path.of("."), Path.of(".."));
        Path script = candidates.stream().map(base -> base.resolve("scripts").resolve("make-ca.sh"))
                .filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new IllegalStateException("cannot find scripts/make-ca.sh under " + candidates
                        + " (run the demo through ./calmdb)"));
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), dir.toString()));
        for (Region region : Region.values()) {
            command.add(replica(region).name());
        }
        try {
            Process make = new ProcessBuilder(command).redirectErrorStream(true).start();
            make.getOutputStream().close();
            String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!make.waitFor(CERTIFICATES_WAIT_SECONDS_MAX, TimeUnit.SECONDS) || make.exitValue() != 0) {
                make.destroyForcibly();
                throw new IllegalStateException("scripts/make-ca.sh failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        }
    }

    private static ReplicaId replica(Region region) {
        return ReplicaId.of(region.name().toLowerCase(Locale.ROOT));
    }

    private void printBanner(Path root, Region[] regions, FsyncPolicy policy, List<CalmServer> nodes) {
        System.out.println("CalmDB demo: three regions replicating on loopback"
                + (wan ? " with wide-area latencies" : "") + ", fsync " + policy.configName() + ", data in " + root);
        System.out.println();
        String ca = root.resolve("tls").resolve("ca.crt").toAbsolutePath().toString();
        String cli = tls ? "redis-cli --tls --cacert " + ca + " -p " : "redis-cli -p ";
        String curl = tls ? "curl -s --cacert " + ca + " https://localhost:" : "curl -s 127.0.0.1:";
        String web = tls ? "https://localhost:" : "http://127.0.0.1:";
        if (tls) {
            System.out.println("TLS: RESP and HTTP speak only TLS with certificates of the private CA " + ca
                    + "; region links run mutual TLS");
            System.out.println();
        }
        for (int i = 0; i < regions.length; i++) {
            CalmServer node = nodes.get(i);
            System.out.printf("  %-10s %s%d    %s%d/v1/cluster    replication 127.0.0.1:%d%n",
                    replica(regions[i]).name(), cli, node.node().respPort(), web, node.httpPort(),
                    node.node().replicationPort());
        }
        int firstResp = nodes.get(0).node().respPort();
        int firstHttp = nodes.get(0).httpPort();
        System.out.println();
        System.out.println("Try:  " + cli + firstResp + " INCR x    then    " + cli
                + nodes.get(1).node().respPort() + " GET x");
        System.out.println("      " + cli + nodes.get(2).node().respPort()
                + " CLUSTER PARTITION virginia frankfurt   (and CLUSTER HEAL)");
        System.out.println("      " + curl + firstHttp + "/v1/keys/x/state    " + curl
                + firstHttp + "/metrics    (docs/http.md)");
        System.out.println("Press Ctrl-C to stop.");
        System.out.flush();
    }
}
