package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * A value larger than a peer frame (8 MiB by default) replicates, by the causal stream and by state transfer, and
 * the writes after it keep replicating. Before peer messages were fragmented, one 10 MB {@code SET} stopped all
 * replication out of the node that took it: its delta was refused at every retry of the causal stream, and the
 * stream held every later write behind it, for good.
 */
class LargeValueReplicationTest {
    static final List<String> REGIONS = List.of("virginia", "frankfurt", "tokyo");
    /** Larger than the default frame bound of 8 MiB, smaller than the RESP bulk bound of 16 MiB. */
    static final int LARGE_VALUE_BYTES = 10_000_000;
    static final Duration REPLICATION_WAIT_MAX = Duration.ofSeconds(60);
    /** Enough writes during the partition to overflow the causal stream's resend queue (65,536 per peer). */
    static final int WRITES_DURING_PARTITION = 70_000;
    /** What a node logged per refused retry before the fix; its absence shows the stream no longer fails. */
    static final String FAILED_TASK_LOG = "a keyspace task failed";

    @RegisterExtension
    final ProcessClusters clusters = new ProcessClusters();

    @TempDir
    Path directory;

    private static byte[] largeValue(long seed) {
        byte[] value = new byte[LARGE_VALUE_BYTES];
        new Random(seed).nextBytes(value);
        return value;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Polls the cheap EXISTS until the key is at {@code node}, and only then reads the value: each key is written
     * once here, so a present value is complete, and the 10 MB reply is not fetched on every poll.
     */
    private static void awaitValue(NodeProcess node, String key, byte[] expected) {
        try (Jedis jedis = node.client()) {
            Faults.awaitTrue(key + " (" + expected.length + " bytes) at " + node.replica(), REPLICATION_WAIT_MAX,
                    () -> jedis.exists(key) && Arrays.equals(jedis.get(bytes(key)), expected),
                    () -> node.replica() + (jedis.exists(key) ? " has another value" : " lacks the key") + " " + key);
        }
    }

    /** Waits until every node reports one {@code DEBUG DIGEST}; cheaper than comparing values holding 10 MB. */
    private static void awaitSameDigest(ProcessCluster cluster) {
        Faults.awaitTrue("one digest on every node", REPLICATION_WAIT_MAX,
                () -> cluster.nodes().stream().map(Faults::digest).distinct().count() == 1,
                () -> cluster.nodes().stream().map(node -> node.replica() + "=" + Faults.digest(node))
                        .collect(Collectors.joining(", ")));
    }

    private static long transfersReceived(NodeProcess node) {
        try (Jedis jedis = node.client()) {
            return jedis.info("replication").lines().filter(line -> line.startsWith("transfersReceived:"))
                    .mapToLong(line -> Long.parseLong(line.substring("transfersReceived:".length()).trim()))
                    .findFirst().orElseThrow();
        }
    }

    private static void assertNoFailedTasksLogged(ProcessCluster cluster) {
        for (NodeProcess node : cluster.nodes()) {
            assertThat(node.logs()).as(node.replica() + "'s log").doesNotContain(FAILED_TASK_LOG);
        }
    }

    @Test
    void aTenMegabyteSet_replicatesToBothRegions_andOrdinaryWritesAfterItKeepReplicating() {
        ProcessCluster cluster = clusters.start(directory, REGIONS, "batch");
        NodeProcess virginiaNode = cluster.node("virginia");
        byte[] value = largeValue(10);
        try (Jedis virginia = virginiaNode.client(); Jedis frankfurt = cluster.node("frankfurt").client()) {
            assertThat(virginia.set(bytes("large"), value)).isEqualTo("OK");
            for (String region : List.of("frankfurt", "tokyo")) {
                awaitValue(cluster.node(region), "large", value);
            }

            // Writes after the large one, at its origin and elsewhere, replicate and are acknowledged.
            for (int i = 0; i < 100; i++) {
                virginia.set("after-" + i, "v" + i);
            }
            virginia.incrBy("counter", 5);
            frankfurt.incrBy("counter", 7);
            assertThat(virginia.waitReplicas(2, REPLICATION_WAIT_MAX.toMillis()))
                    .as("both peers acknowledge virginia's writes after the large one").isEqualTo(2);
            for (NodeProcess node : cluster.nodes()) {
                try (Jedis jedis = node.client()) {
                    Faults.awaitTrue("the later writes at " + node.replica(), REPLICATION_WAIT_MAX,
                            () -> "v99".equals(jedis.get("after-99")) && "12".equals(jedis.get("counter")),
                            () -> node.replica() + ": after-99=" + jedis.get("after-99") + " counter="
                                    + jedis.get("counter"));
                }
            }
            awaitSameDigest(cluster);

            // The large value's deletion replicates too, and so does a second large value after it.
            assertThat(virginia.del("large")).isEqualTo(1);
            byte[] second = largeValue(11);
            assertThat(frankfurt.set(bytes("large-from-frankfurt"), second)).isEqualTo("OK");
            for (NodeProcess node : cluster.nodes()) {
                try (Jedis jedis = node.client()) {
                    Faults.awaitTrue("the deletion at " + node.replica(), REPLICATION_WAIT_MAX,
                            () -> !jedis.exists("large"), () -> node.replica() + " still has the large value");
                }
                awaitValue(node, "large-from-frankfurt", second);
            }
            awaitSameDigest(cluster);
        }
        assertNoFailedTasksLogged(cluster);
    }

    @Test
    void aTenMegabyteKey_crossesAStateTransfer_afterAPartitionLongerThanTheRetransmissionBound() {
        ProcessCluster cluster = clusters.start(directory, REGIONS, "batch");
        byte[] value = largeValue(20);
        try (Jedis virginia = cluster.node("virginia").client(); Jedis tokyo = cluster.node("tokyo").client()) {
            // Tokyo is cut from both peers, so nothing reaches it by relay either.
            assertThat(tokyo.sendCommand(() -> bytes("CLUSTER"), "PARTITION", "virginia", "frankfurt"))
                    .isEqualTo(bytes("OK"));
            assertThat(virginia.set(bytes("large"), value)).isEqualTo("OK");
            Pipeline pipeline = virginia.pipelined();
            for (int i = 0; i < WRITES_DURING_PARTITION; i++) {
                pipeline.sadd("set-" + (i % 500), "m" + i);
            }
            pipeline.sync();
            assertThat(tokyo.exists("large")).as("tokyo is really cut off").isFalse();
            assertThat(tokyo.sendCommand(() -> bytes("CLUSTER"), "HEAL")).isEqualTo(bytes("OK"));

            awaitValue(cluster.node("tokyo"), "large", value);
            Faults.awaitTrue("every set member at tokyo", REPLICATION_WAIT_MAX, () -> {
                long members = 0;
                for (int k = 0; k < 500; k++) {
                    members += tokyo.scard("set-" + k);
                }
                return members == WRITES_DURING_PARTITION;
            }, () -> "tokyo has " + tokyo.dbSize() + " keys");
            awaitSameDigest(cluster);
            Faults.awaitTrue("tokyo completed a state transfer", REPLICATION_WAIT_MAX,
                    () -> transfersReceived(cluster.node("tokyo")) > 0,
                    () -> "transfersReceived at tokyo: " + transfersReceived(cluster.node("tokyo")));

            virginia.set("after-heal", "flows");
            Faults.awaitTrue("a write after the transfer at tokyo", REPLICATION_WAIT_MAX,
                    () -> "flows".equals(tokyo.get("after-heal")), () -> "tokyo: " + tokyo.get("after-heal"));
        }
        assertNoFailedTasksLogged(cluster);
    }
}
