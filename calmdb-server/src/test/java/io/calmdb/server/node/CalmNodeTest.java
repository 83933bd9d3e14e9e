package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

class CalmNodeTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
    private static final ReplicaId FRANKFURT = REGIONS.get(1);
    private static final ReplicaId TOKYO = REGIONS.get(2);

    @TempDir
    Path directory;

    private TestCluster cluster;

    @BeforeEach
    void start() {
        cluster = new TestCluster(directory);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private Jedis client(ReplicaId region) {
        return new Jedis("127.0.0.1", cluster.node(region).respPort(), 10_000);
    }

    private byte[] encodedState(ReplicaId region) {
        return cluster.node(region).read(keyspace -> Codecs.encode(Keyspace.CODEC, keyspace.state())).join();
    }

    private void awaitConvergence() {
        awaitTrue("identical encoded state on every node", () -> {
            byte[] first = encodedState(VIRGINIA);
            return Arrays.equals(first, encodedState(FRANKFURT)) && Arrays.equals(first, encodedState(TOKYO));
        });
    }

    @Test
    void aWriteInOneRegion_isReadInTheOthers() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT)) {
            assertThat(virginia.incr("x")).isEqualTo(1);
            awaitTrue("x replicated to frankfurt", () -> "1".equals(frankfurt.get("x")));
        }
    }

    @Test
    void concurrentWritesAtAllRegions_converge() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT); Jedis tokyo = client(TOKYO)) {
            for (int i = 0; i < 50; i++) {
                virginia.incr("likes");
                frankfurt.incrBy("likes", 2);
                tokyo.sadd("tags", "t" + i);
                virginia.hset("user", "v", Integer.toString(i));
                tokyo.set("name", "tokyo-" + i);
                frankfurt.set("name", "frankfurt-" + i);
            }
            awaitConvergence();
            assertThat(tokyo.get("likes")).isEqualTo("150");
            assertThat(virginia.scard("tags")).isEqualTo(50);
            assertThat(virginia.get("name")).isEqualTo(tokyo.get("name")).isEqualTo(frankfurt.get("name"));
        }
    }

    @Test
    void partitionThenHeal_keepsBothSidesWrites() {
        try (Jedis virginia = client(VIRGINIA); Jedis tokyo = client(TOKYO)) {
            virginia.sadd("cart", "milk");
            awaitTrue("cart replicated", () -> tokyo.sismember("cart", "milk"));
            assertThat(tokyo.sendCommand(() -> "CLUSTER".getBytes(), "PARTITION", "virginia", "frankfurt")).isNotNull();
            tokyo.sadd("cart", "eggs");
            tokyo.incrBy("n", 5);
            virginia.srem("cart", "milk");
            virginia.incrBy("n", 7);
            assertThat(tokyo.smembers("cart")).containsExactlyInAnyOrder("milk", "eggs");
            tokyo.sendCommand(() -> "CLUSTER".getBytes(), "HEAL");
            awaitConvergence();
            assertThat(virginia.smembers("cart")).containsExactly("eggs");
            assertThat(tokyo.get("n")).isEqualTo("12");
        }
    }

    @Test
    void wait_countsPeersThatAcknowledgedTheConnectionsWrites() {
        try (Jedis virginia = client(VIRGINIA)) {
            virginia.set("k", "v");
            assertThat(virginia.waitReplicas(2, 10_000)).isEqualTo(2);
        }
    }

    @Test
    void commandsNeedingGlobalAbsence_areClaimsOnTheKey_decidedOnceByItsAuthority() {
        try (Jedis virginia = client(VIRGINIA); Jedis tokyo = client(TOKYO)) {
            assertThat(virginia.setnx("user:ada", "1")).isEqualTo(1);
            assertThat(tokyo.setnx("user:ada", "2")).isZero();
            assertThat(virginia.get("user:ada")).isEqualTo("1");
            assertThat(virginia.sendCommand(() -> "SET".getBytes(), "k", "v", "NX")).isNotNull();
            assertThat(tokyo.sendCommand(() -> "SET".getBytes(), "k", "w", "NX")).isNull();
        }
    }

    @Test
    void wrongTypeAndBadNumbers_getRedisErrors() {
        try (Jedis tokyo = client(TOKYO)) {
            tokyo.sadd("s", "a");
            assertThatThrownBy(() -> tokyo.get("s")).hasMessageStartingWith("WRONGTYPE");
            tokyo.set("t", "text");
            assertThatThrownBy(() -> tokyo.incr("t")).hasMessageContaining("not an integer");
            assertThat(tokyo.type("s")).isEqualTo("set");
            assertThat(tokyo.get("t")).isEqualTo("text");
        }
    }

    @Test
    void infoReportsReplicationAndFsync() {
        try (Jedis virginia = client(VIRGINIA)) {
            String info = virginia.info();
            assertThat(info).contains("fsync_policy:always").contains("replica_id:virginia").contains("# Replication")
                    .contains("id=tokyo").contains("version_vector:").contains("wal_syncs:")
                    .contains("last_fsync_age_ms:").contains("unsynced_records:0").contains("recovered_log_records:0")
                    .contains("recovered_torn_tail_dropped:0");
        }
    }

    @Test
    void aRestartedNode_keepsItsAcknowledgedWrites_andCatchesUp() {
        try (Jedis tokyo = client(TOKYO)) {
            for (int i = 0; i < 20; i++) {
                tokyo.sadd("before", "m" + i);
            }
        }
        cluster.stop(TOKYO);
        try (Jedis virginia = client(VIRGINIA)) {
            virginia.sadd("while-down", "x");
        }
        cluster.start(TOKYO);
        try (Jedis tokyo = client(TOKYO)) {
            assertThat(tokyo.scard("before")).isEqualTo(20);
            awaitTrue("tokyo caught up", () -> tokyo.sismember("while-down", "x"));
            tokyo.sadd("after", "y");
        }
        awaitConvergence();
        try (Jedis frankfurt = client(FRANKFURT)) {
            assertThat(frankfurt.smembers("after")).isEqualTo(Set.of("y"));
            assertThat(frankfurt.scard("before")).isEqualTo(20);
        }
    }

    @Test
    void keysScanDbsizeAndDel_work() {
        try (Jedis virginia = client(VIRGINIA)) {
            for (int i = 0; i < 25; i++) {
                virginia.set("key:" + i, "v");
            }
            assertThat(virginia.dbSize()).isEqualTo(25);
            assertThat(virginia.keys("key:1*")).hasSize(11);
            Set<String> scanned = new java.util.HashSet<>();
            String cursor = "0";
            int rounds = 0;
            do {
                var page = virginia.scan(cursor);
                scanned.addAll(page.getResult());
                cursor = page.getCursor();
                rounds++;
            } while (!cursor.equals("0") && rounds < 100);
            assertThat(scanned).hasSize(25);
            assertThat(virginia.del("key:1", "key:2", "nope")).isEqualTo(2);
            assertThat(virginia.mget("key:1", "key:3")).containsExactly(null, "v");
        }
    }

    @Test
    void aPartitionLongerThanTheRetransmissionBound_isRepairedByStateTransfer() {
        // More writes than the causal stream holds for resending to one peer (65,536 messages), so the stream alone
        // cannot repair tokyo and a state transfer must; with fewer, the streams repair it and no transfer is due.
        int writes = 70_000;
        try (Jedis virginia = client(VIRGINIA); Jedis tokyo = client(TOKYO)) {
            virginia.sendCommand(() -> "CLUSTER".getBytes(), "PARTITION", "tokyo");
            var pipeline = virginia.pipelined();
            for (int i = 0; i < writes; i++) {
                pipeline.sadd("k" + (i % 3_000), "m" + i);
            }
            pipeline.sync();
            virginia.sendCommand(() -> "CLUSTER".getBytes(), "HEAL");
            awaitConvergence();
            long members = 0;
            for (int k = 0; k < 3_000; k++) {
                members += tokyo.scard("k" + k);
            }
            assertThat(members).isEqualTo(writes);
            String transfers = tokyo.info("replication").lines().filter(line -> line.startsWith("transfersReceived:"))
                    .findFirst().orElseThrow().substring("transfersReceived:".length()).trim();
            assertThat(Long.parseLong(transfers)).as("state transfers received by tokyo").isPositive();
        }
    }
}
