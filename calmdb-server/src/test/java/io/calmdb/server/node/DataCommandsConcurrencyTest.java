package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.server.resp.RedisCli;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the everyday data commands do when two regions run them concurrently (docs/resp.md, "Everyday data
 * commands"), through the real redis-cli against real nodes: Tokyo is cut off from the other regions, both sides
 * write, the partition heals, and every region must read the same documented outcome.
 */
class DataCommandsConcurrencyTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
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

    private String cli(ReplicaId region, String... arguments) throws Exception {
        return RedisCli.run(cluster.node(region).respPort(), arguments);
    }

    private byte[] encodedState(ReplicaId region) {
        return cluster.node(region).read(keyspace -> Codecs.encode(Keyspace.CODEC, keyspace.state())).join();
    }

    private void awaitConvergence() {
        awaitTrue("identical encoded state on every node", () -> {
            byte[] first = encodedState(REGIONS.get(0));
            return Arrays.equals(first, encodedState(REGIONS.get(1))) && Arrays.equals(first, encodedState(REGIONS.get(2)));
        });
    }

    private void isolateTokyo() throws Exception {
        awaitConvergence();
        assertThat(cli(TOKYO, "CLUSTER", "PARTITION", "virginia", "frankfurt")).isNotEmpty();
    }

    private void heal() throws Exception {
        cli(TOKYO, "CLUSTER", "HEAL");
        awaitConvergence();
    }

    @Test
    void flushAll_concurrentWithWritesElsewhere_keepsTheUnseenWrites() throws Exception {
        for (int i = 0; i < 20; i++) {
            cli(VIRGINIA, "SET", "k" + i, "v");
        }
        cli(VIRGINIA, "INCRBY", "counter", "5");
        isolateTokyo();
        assertThat(cli(TOKYO, "FLUSHALL")).isEqualTo("OK");
        assertThat(cli(TOKYO, "DBSIZE")).isEqualTo("0");
        cli(VIRGINIA, "SET", "late", "v");
        cli(VIRGINIA, "INCR", "counter");
        heal();
        for (ReplicaId region : List.of(VIRGINIA, TOKYO)) {
            assertThat(cli(region, "DBSIZE")).isEqualTo("2");
            assertThat(cli(region, "GET", "late")).isEqualTo("v");
            // The concurrent INCR keeps Virginia's whole contribution (5 + 1), as DEL does.
            assertThat(cli(region, "GET", "counter")).isEqualTo("6");
            assertThat(cli(region, "EXISTS", "k0")).isEqualTo("0");
        }
    }

    @Test
    void rename_concurrentWithAnAddToTheSource_movesWhatItSaw_andTheAddStaysAtTheSource() throws Exception {
        cli(VIRGINIA, "SADD", "src", "a", "b");
        isolateTokyo();
        assertThat(cli(TOKYO, "RENAME", "src", "dst")).isEqualTo("OK");
        cli(VIRGINIA, "SADD", "src", "c");
        heal();
        for (ReplicaId region : List.of(VIRGINIA, TOKYO)) {
            assertThat(cli(region, "SMEMBERS", "dst").lines().sorted()).containsExactly("a", "b");
            assertThat(cli(region, "SMEMBERS", "src")).isEqualTo("c");
        }
    }

    @Test
    void renameNx_decidesAbsenceOnTheLocalReplica() throws Exception {
        cli(VIRGINIA, "SET", "a", "1");
        isolateTokyo();
        cli(VIRGINIA, "SET", "b", "virginia");
        assertThat(cli(TOKYO, "RENAMENX", "a", "b")).isEqualTo("1");
        heal();
        // Both wrote b concurrently; the later write by hybrid logical clock wins everywhere.
        assertThat(cli(VIRGINIA, "GET", "b")).isEqualTo(cli(TOKYO, "GET", "b")).isIn("1", "virginia");
        assertThat(cli(VIRGINIA, "EXISTS", "a")).isEqualTo("0");
    }

    @Test
    void spop_inTwoRegions_mayReturnTheSameMember_andTheMemberIsGoneEverywhere() throws Exception {
        cli(VIRGINIA, "SADD", "s", "only");
        isolateTokyo();
        assertThat(cli(TOKYO, "SPOP", "s")).isEqualTo("only");
        assertThat(cli(VIRGINIA, "SPOP", "s")).isEqualTo("only");
        heal();
        for (ReplicaId region : List.of(VIRGINIA, TOKYO)) {
            assertThat(cli(region, "EXISTS", "s")).isEqualTo("0");
        }
    }

    @Test
    void incrByFloat_inTwoRegions_addsUp() throws Exception {
        cli(VIRGINIA, "HSET", "h", "f", "1");
        isolateTokyo();
        assertThat(cli(TOKYO, "INCRBYFLOAT", "f", "1.5")).isEqualTo("1.5");
        assertThat(cli(VIRGINIA, "INCRBYFLOAT", "f", "1.5")).isEqualTo("1.5");
        assertThat(cli(TOKYO, "HINCRBYFLOAT", "h", "f", "0.25")).isEqualTo("1.25");
        assertThat(cli(VIRGINIA, "HINCRBYFLOAT", "h", "f", "-2")).isEqualTo("-1");
        heal();
        for (ReplicaId region : List.of(VIRGINIA, TOKYO)) {
            assertThat(cli(region, "GET", "f")).isEqualTo("3");
            assertThat(cli(region, "HGET", "h", "f")).isEqualTo("-0.75");
        }
        cli(VIRGINIA, "INCRBYFLOAT", "f", "0.5");
        cli(TOKYO, "INCRBYFLOAT", "f", "0.5");
        awaitConvergence();
        assertThat(cli(TOKYO, "GET", "f")).isEqualTo("4");
    }
}
