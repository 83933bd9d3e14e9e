package io.calmdb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.storage.FsyncPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinationBenchTest {
    /** This engineer's loopback port range (see the helper brief); the bench needs three consecutive RESP ports. */
    private static final int PORT_FIRST = 29_100;
    private static final int PORT_LAST = 29_999;

    @TempDir
    Path root;

    @Test
    void settingsDefaultToTheDemosPortsAndTwoHundredSamples() {
        CoordinationBench.Settings settings = CoordinationBench.Settings.parse(List.of());

        assertThat(settings).isEqualTo(new CoordinationBench.Settings("127.0.0.1", 6380, 200, 5_000));
    }

    @Test
    void settingsTakeEveryOption() {
        CoordinationBench.Settings settings = CoordinationBench.Settings.parse(
                List.of("--port-base", "29000", "--samples", "7", "--timeout", "300", "--host", "localhost"));

        assertThat(settings).isEqualTo(new CoordinationBench.Settings("localhost", 29_000, 7, 300));
    }

    @Test
    void badArgumentsAreRefusedWithTheOptionsName() {
        assertThatThrownBy(() -> CoordinationBench.Settings.parse(List.of("--samples", "0")))
                .hasMessageContaining("--samples must be at least 1");
        assertThatThrownBy(() -> CoordinationBench.Settings.parse(List.of("--samples", "many")))
                .hasMessageContaining("--samples needs an integer, got 'many'");
        assertThatThrownBy(() -> CoordinationBench.Settings.parse(List.of("--port-base")))
                .hasMessageContaining("--port-base needs a value");
        assertThatThrownBy(() -> CoordinationBench.Settings.parse(List.of("--port-base", "65534")))
                .hasMessageContaining("--port-base must be between 1 and 65533");
        assertThatThrownBy(() -> CoordinationBench.Settings.parse(List.of("--wan")))
                .hasMessageContaining("unexpected argument '--wan'");
    }

    @Test
    void percentilesAreNearestRank() {
        long[] hundred = new long[100];
        for (int i = 0; i < hundred.length; i++) {
            hundred[i] = i + 1;
        }

        assertThat(CoordinationBench.percentile(hundred, 50)).isEqualTo(50);
        assertThat(CoordinationBench.percentile(hundred, 99)).isEqualTo(99);
        assertThat(CoordinationBench.percentile(hundred, 100)).isEqualTo(100);
        assertThat(CoordinationBench.percentile(new long[] {3, 8, 40}, 50)).isEqualTo(8);
        assertThat(CoordinationBench.percentile(new long[] {3, 8, 40}, 99)).isEqualTo(40);
        assertThat(CoordinationBench.percentile(new long[] {5}, 1)).isEqualTo(5);
        assertThat(CoordinationBench.percentile(new long[0], 50)).isNaN();
        assertThatThrownBy(() -> CoordinationBench.percentile(hundred, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRowIsInMillisecondsWhateverTheOrderOfItsSamples() {
        CoordinationBench.Row row = CoordinationBench.Row.of("op", new long[] {3_000_000, 1_000_000, 2_000_000}, 1);

        assertThat(row.samples()).isEqualTo(3);
        assertThat(row.failed()).isEqualTo(1);
        assertThat(row.p50()).isEqualTo(2.0);
        assertThat(row.p99()).isEqualTo(3.0);
        assertThat(row.mean()).isEqualTo(2.0);
    }

    @Test
    void everyRowHasAFigureFromEveryRegionOfThreeRealNodes() throws InterruptedException {
        List<ReplicaId> regions = List.of(ReplicaId.of("virginia"), ReplicaId.of("frankfurt"), ReplicaId.of("tokyo"));
        int respBase = freeConsecutivePorts(3);
        List<Integer> replicationPorts = new ArrayList<>();
        for (int i = 0; i < regions.size(); i++) {
            replicationPorts.add(freeConsecutivePorts(1));
        }
        List<CalmServer> servers = new ArrayList<>();
        try {
            for (int i = 0; i < regions.size(); i++) {
                NodeConfig.Builder builder = NodeConfig.builder("bench-test", regions.get(i),
                                root.resolve(regions.get(i).name()))
                        .fsync(FsyncPolicy.EVERYSEC)
                        .resp("127.0.0.1", respBase + i)
                        .http("127.0.0.1", freeConsecutivePorts(1))
                        .replication("127.0.0.1", replicationPorts.get(i));
                for (int j = 0; j < regions.size(); j++) {
                    if (j != i) {
                        builder.peer(regions.get(j), "127.0.0.1", replicationPorts.get(j), Duration.ZERO);
                    }
                }
                servers.add(CalmServer.start(builder.build()));
            }

            List<CoordinationBench.RegionResult> results = CoordinationBench.run(
                    new CoordinationBench.Settings("127.0.0.1", respBase, 3, 10_000), line -> { });

            assertThat(results).extracting(CoordinationBench.RegionResult::region)
                    .containsExactly("virginia", "frankfurt", "tokyo");
            for (CoordinationBench.RegionResult result : results) {
                assertThat(result.rows()).extracting(CoordinationBench.Row::operation).contains(
                        "INCR (local CRDT write)", "INCR + WAIT 2 (every region)", "QUORUM R 2 GET", "ID.NEXT",
                        "BC.DECRBY within local rights");
                // One claim row and one beyond-rights row per other region.
                assertThat(result.rows()).hasSize(10);
                for (CoordinationBench.Row row : result.rows()) {
                    assertThat(row.failed()).as(result.region() + ": " + row.operation()).isZero();
                    assertThat(row.samples()).isEqualTo(3);
                    assertThat(row.p50()).as(result.region() + ": " + row.operation()).isPositive();
                    assertThat(row.p99()).isGreaterThanOrEqualTo(row.p50());
                }
            }
            assertThat(CoordinationBench.report(results)).contains("From tokyo", "The seed's first table");
        } finally {
            servers.forEach(CalmServer::close);
        }
    }

    /** Where the next port search starts: past every port this test class handed out. */
    private static int nextCandidate = PORT_FIRST + (int) (ProcessHandle.current().pid() % 400);

    /** The first of {@code count} consecutive free loopback ports in this engineer's range. */
    private static int freeConsecutivePorts(int count) {
        for (int first = nextCandidate; first + count - 1 <= PORT_LAST; first++) {
            boolean free = true;
            for (int port = first; port < first + count && free; port++) {
                free = isFree(port);
            }
            if (free) {
                nextCandidate = first + count;
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " free consecutive ports in " + PORT_FIRST + "-" + PORT_LAST);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }
}
