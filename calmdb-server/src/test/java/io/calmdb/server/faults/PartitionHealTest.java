package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Virginia is cut from frankfurt and tokyo with {@code CLUSTER PARTITION} over RESP; both sides write every type,
 * often to the same keys; after {@code CLUSTER HEAL} every node holds what each type's semantics say: add-wins
 * sets, summed counters, one last-writer-wins string, hash fields updated concurrently with their deletion
 * survive, and a {@code DEL} removes only what its region had observed.
 */
class PartitionHealTest {
    static final List<String> REGIONS = List.of("virginia", "frankfurt", "tokyo");
    /** How long the WAIT that proves the cut blocks, in milliseconds. */
    static final long PARTITIONED_WAIT_MILLIS = 300;
    static final Duration REPLICATION_WAIT_MAX = Duration.ofSeconds(30);

    @RegisterExtension
    final ProcessClusters clusters = new ProcessClusters();

    @TempDir
    Path directory;

    @Test
    void writesOnBothSidesOfAPartition_surviveHealingPerEachTypesSemantics() {
        ProcessCluster cluster = clusters.start(directory, REGIONS, "always");
        try (Jedis virginia = cluster.node("virginia").client();
             Jedis frankfurt = cluster.node("frankfurt").client();
             Jedis tokyo = cluster.node("tokyo").client()) {
            // The state every region has seen before the cut.
            virginia.sadd("set", "a", "b", "c");
            virginia.incrBy("counter", 10);
            virginia.set("name", "before");
            virginia.hset("hash", Map.of("f1", "v1", "f2", "v2", "f3", "v3"));
            virginia.set("doomed", "x");
            virginia.sadd("revived", "r");
            Faults.awaitConvergence(cluster);

            assertThat(virginia.sendCommand(() -> "CLUSTER".getBytes(), "PARTITION", "frankfurt", "tokyo"))
                    .isEqualTo("OK".getBytes());
            assertThat(frankfurt.sendCommand(() -> "CLUSTER".getBytes(), "PARTITION", "virginia")).isEqualTo("OK".getBytes());
            assertThat(tokyo.sendCommand(() -> "CLUSTER".getBytes(), "PARTITION", "virginia")).isEqualTo("OK".getBytes());

            // Minority side: virginia.
            virginia.sadd("set", "v1");
            virginia.srem("set", "a");
            virginia.incrBy("counter", 5);
            virginia.set("name", "from-virginia");
            virginia.hset("hash", "f1", "virginia");
            virginia.hdel("hash", "f2");
            virginia.del("doomed");
            virginia.del("revived");
            assertThat(virginia.waitReplicas(1, PARTITIONED_WAIT_MILLIS))
                    .as("no peer acknowledges virginia's writes while it is cut off").isZero();

            // Majority side: frankfurt and tokyo, which still replicate to each other.
            frankfurt.sadd("set", "f1", "a");
            frankfurt.incrBy("counter", 7);
            frankfurt.decr("counter");
            frankfurt.set("name", "from-frankfurt");
            frankfurt.hset("hash", "f2", "frankfurt");
            frankfurt.sadd("revived", "r2");
            tokyo.sadd("set", "t1");
            tokyo.incr("counter");
            tokyo.hdel("hash", "f3");
            assertThat(tokyo.waitReplicas(1, REPLICATION_WAIT_MAX.toMillis())).as("frankfurt acknowledges tokyo").isEqualTo(1);
            Faults.awaitTrue("frankfurt's writes at tokyo", REPLICATION_WAIT_MAX,
                    () -> "from-frankfurt".equals(tokyo.get("name")) && tokyo.sismember("set", "f1"),
                    () -> "tokyo: " + Faults.values(cluster.node("tokyo")));

            // The sides really diverged.
            assertThat(virginia.get("name")).isEqualTo("from-virginia");
            assertThat(virginia.sismember("set", "f1")).isFalse();
            assertThat(tokyo.exists("doomed")).isTrue();

            for (Jedis side : List.of(virginia, frankfurt, tokyo)) {
                assertThat(side.sendCommand(() -> "CLUSTER".getBytes(), "HEAL")).isEqualTo("OK".getBytes());
            }
            Faults.awaitConvergence(cluster);

            for (NodeProcess node : cluster.nodes()) {
                try (Jedis jedis = node.client()) {
                    String replica = node.replica();
                    assertThat(jedis.smembers("set")).as(replica + " add-wins set: the concurrent re-add of a survives SREM")
                            .isEqualTo(Set.of("a", "b", "c", "v1", "f1", "t1"));
                    assertThat(jedis.get("counter")).as(replica + " counter sums both sides").isEqualTo("22");
                    assertThat(jedis.get("name")).as(replica + " one last-writer-wins value")
                            .isIn("from-virginia", "from-frankfurt");
                    assertThat(jedis.hgetAll("hash")).as(replica + " hash: concurrent update beats delete")
                            .isEqualTo(Map.of("f1", "virginia", "f2", "frankfurt"));
                    assertThat(jedis.exists("doomed")).as(replica + " an unopposed DEL removes the key").isFalse();
                    assertThat(jedis.smembers("revived")).as(replica + " DEL removes only what virginia had observed")
                            .isEqualTo(Set.of("r2"));
                }
            }
            try (Jedis jedis = cluster.node("virginia").client()) {
                assertThat(jedis.waitReplicas(2, REPLICATION_WAIT_MAX.toMillis()))
                        .as("after healing both peers acknowledge virginia's writes").isEqualTo(2);
            }
        }
    }
}
