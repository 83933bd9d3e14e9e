package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Three node processes take a seeded random mix of writes of every type at once, one Jedis client per region; once
 * the writes stop, every node must hold the same value for every key and the same encoded state, and the values
 * with a sequential oracle (counter sums, grow-only set unions) must match it.
 */
class ConcurrentWritesConvergeTest {
    static final List<String> REGIONS = List.of("virginia", "frankfurt", "tokyo");
    /** Writes each region's client sends. */
    static final int OPERATIONS_PER_REGION = 400;
    /** How many keys of each family the writes spread over: few, so regions collide on the same keys. */
    static final int KEYS_PER_FAMILY = 4;
    static final long SEED = Long.getLong("calmdb.faults.seed", 7_302_118L);

    @RegisterExtension
    final ProcessClusters clusters = new ProcessClusters();

    @TempDir
    Path directory;

    /** What one region's client wrote that an oracle can check without knowing the interleaving. */
    private record RegionWrites(Map<String, Long> counterSums, Map<String, TreeSet<String>> grown,
                                Map<String, Long> hashCounterSums) {}

    @Test
    void concurrentWritesAtAllThreeRegions_convergeToIdenticalValuesAndEncodedState() throws Exception {
        System.out.println("ConcurrentWritesConvergeTest seed " + SEED + " (replay with -Dcalmdb.faults.seed=" + SEED + ")");
        ProcessCluster cluster = clusters.start(directory, REGIONS, "always");
        String emptyDigest = Faults.digest(cluster.node("virginia"));

        CountDownLatch startTogether = new CountDownLatch(REGIONS.size());
        ExecutorService writers = Executors.newFixedThreadPool(REGIONS.size());
        List<Future<RegionWrites>> results = new ArrayList<>();
        try {
            for (int index = 0; index < REGIONS.size(); index++) {
                NodeProcess node = cluster.node(REGIONS.get(index));
                Random random = new Random(SEED + index);
                results.add(writers.submit(() -> write(node, random, startTogether)));
            }
            Map<String, Long> counterSums = new TreeMap<>();
            Map<String, TreeSet<String>> grown = new TreeMap<>();
            Map<String, Long> hashCounterSums = new TreeMap<>();
            for (Future<RegionWrites> result : results) {
                RegionWrites writes = result.get(120, TimeUnit.SECONDS);
                writes.counterSums().forEach((key, sum) -> counterSums.merge(key, sum, Long::sum));
                writes.grown().forEach((key, members) -> grown.computeIfAbsent(key, k -> new TreeSet<>()).addAll(members));
                writes.hashCounterSums().forEach((key, sum) -> hashCounterSums.merge(key, sum, Long::sum));
            }

            Faults.awaitConvergence(cluster);

            assertThat(Faults.digest(cluster.node("virginia"))).as("the digest sees the writes").isNotEqualTo(emptyDigest);
            for (NodeProcess node : cluster.nodes()) {
                Map<String, String> values = Faults.values(node);
                counterSums.forEach((key, sum) ->
                        assertThat(values.get(key)).as(node.replica() + " " + key).isEqualTo("string:" + sum));
                grown.forEach((key, members) ->
                        assertThat(values.get(key)).as(node.replica() + " " + key).isEqualTo("set:" + members));
                try (Jedis jedis = node.client()) {
                    hashCounterSums.forEach((key, sum) ->
                            assertThat(jedis.hget(key, "n")).as(node.replica() + " " + key).isEqualTo(Long.toString(sum)));
                }
            }
        } finally {
            writers.shutdownNow();
            assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).as("writer threads stopped").isTrue();
        }
    }

    /** One region's writes: every reply must be a success (the mix never asks for a refused operation). */
    private static RegionWrites write(NodeProcess node, Random random, CountDownLatch startTogether) throws Exception {
        String region = node.replica();
        Map<String, Long> counterSums = new TreeMap<>();
        Map<String, TreeSet<String>> grown = new TreeMap<>();
        Map<String, Long> hashCounterSums = new TreeMap<>();
        try (Jedis jedis = node.client()) {
            startTogether.countDown();
            startTogether.await(60, TimeUnit.SECONDS);
            for (int i = 0; i < OPERATIONS_PER_REGION; i++) {
                int k = random.nextInt(KEYS_PER_FAMILY);
                int choice = random.nextInt(100);
                if (choice < 15) {
                    jedis.set("string:" + k, region + "-" + i);
                } else if (choice < 35) {
                    long amount = random.nextInt(16) - 5;
                    jedis.incrBy("counter:" + k, amount);
                    counterSums.merge("counter:" + k, amount, Long::sum);
                } else if (choice < 50) {
                    String member = region + "-" + i;
                    jedis.sadd("grow:" + k, member);
                    grown.computeIfAbsent("grow:" + k, key -> new TreeSet<>()).add(member);
                } else if (choice < 65) {
                    String member = "m" + random.nextInt(6);
                    if (random.nextBoolean()) {
                        jedis.sadd("churn:" + k, member);
                    } else {
                        jedis.srem("churn:" + k, member);
                    }
                } else if (choice < 78) {
                    jedis.hset("hash:" + k, "f" + random.nextInt(4), region + "-" + i);
                } else if (choice < 85) {
                    jedis.hdel("hash:" + k, "f" + random.nextInt(4));
                } else if (choice < 93) {
                    long amount = random.nextInt(10) + 1;
                    jedis.hincrBy("hashcounter:" + k, "n", amount);
                    hashCounterSums.merge("hashcounter:" + k, amount, Long::sum);
                } else {
                    String family = List.of("string:", "churn:", "hash:").get(random.nextInt(3));
                    jedis.del(family + k);
                }
            }
        }
        return new RegionWrites(counterSums, grown, hashCounterSums);
    }
}
