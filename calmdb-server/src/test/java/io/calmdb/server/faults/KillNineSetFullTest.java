package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Jepsen's set-full check against real processes: writers add unique elements to one set and increment one counter
 * while the node they write to is killed with SIGKILL, twice, and restarted from the same data directory. Only
 * writes whose reply arrived count as acknowledged. Once every node has converged, every acknowledged element must
 * be on every node and every node's counter must be at least the number of acknowledged increments (and at most
 * the number attempted: a write is never applied twice). The test prints "lost acknowledged writes = N".
 */
class KillNineSetFullTest {
    static final List<String> REGIONS = List.of("virginia", "frankfurt", "tokyo");
    /** The node that is killed. */
    static final String VICTIM = "virginia";
    /** A node that keeps taking writes while the victim is down, so the victim must catch up on them. */
    static final String SURVIVOR = "frankfurt";
    static final int VICTIM_WRITERS = 3;
    static final int KILLS = 2;
    /** Acknowledged writes of the victim's writers before each kill and after the last restart. */
    static final long ACKNOWLEDGED_WRITES_BETWEEN_KILLS = 400;
    /** A writer's own bound on the operations it sends, whatever happens to the stop flag. */
    static final int WRITER_OPERATIONS_MAX = 50_000;
    static final Duration LOAD_WAIT_MAX = Duration.ofSeconds(60);
    static final String SET_KEY = "set-full";
    static final String COUNTER_KEY = "increments";

    @RegisterExtension
    final ProcessClusters clusters = new ProcessClusters();

    @TempDir
    Path directory;

    /** One client's history: what it attempted and which of those writes were acknowledged. */
    private static final class Writer implements Runnable {
        final NodeProcess node;
        final String prefix;
        final AtomicBoolean stop;
        final Set<String> attemptedElements = ConcurrentHashMap.newKeySet();
        final Set<String> acknowledgedElements = ConcurrentHashMap.newKeySet();
        final AtomicLong attemptedIncrements = new AtomicLong();
        final AtomicLong acknowledgedIncrements = new AtomicLong();
        final AtomicLong indeterminate = new AtomicLong();
        final AtomicLong errorReplies = new AtomicLong();

        Writer(NodeProcess node, String prefix, AtomicBoolean stop) {
            this.node = node;
            this.prefix = prefix;
            this.stop = stop;
        }

        long acknowledged() {
            return acknowledgedElements.size() + acknowledgedIncrements.get();
        }

        @Override
        public void run() {
            Jedis jedis = null;
            try {
                for (int i = 0; i < WRITER_OPERATIONS_MAX && !stop.get(); i++) {
                    boolean sent = false;
                    try {
                        if (jedis == null) {
                            // Jedis connects here; while the node is down this fails before anything is sent.
                            jedis = node.client();
                        }
                        sent = true;
                        if (i % 2 == 0) {
                            String element = prefix + "-" + i;
                            attemptedElements.add(element);
                            jedis.sadd(SET_KEY, element);
                            acknowledgedElements.add(element);
                        } else {
                            attemptedIncrements.incrementAndGet();
                            jedis.incr(COUNTER_KEY);
                            acknowledgedIncrements.incrementAndGet();
                        }
                    } catch (JedisConnectionException e) {
                        // The node died under the request (it may or may not have applied it), or is still down.
                        if (sent) {
                            indeterminate.incrementAndGet();
                        }
                        if (jedis != null) {
                            jedis.close();
                            jedis = null;
                        }
                        NodeProcess.pause();
                    } catch (JedisDataException e) {
                        errorReplies.incrementAndGet();
                    }
                }
            } finally {
                if (jedis != null) {
                    jedis.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(strings = {"always", "everysec"})
    void killNineUnderLoad_losesNoAcknowledgedWrite(String fsync) throws Exception {
        long startedNanos = System.nanoTime();
        ProcessCluster cluster = clusters.start(directory, REGIONS, fsync);
        System.out.printf("fsync %s: three nodes serving after %d ms%n", fsync, (System.nanoTime() - startedNanos) / 1_000_000);
        NodeProcess victim = cluster.node(VICTIM);
        AtomicBoolean stop = new AtomicBoolean();
        List<Writer> writers = new ArrayList<>();
        for (int i = 0; i < VICTIM_WRITERS; i++) {
            writers.add(new Writer(victim, VICTIM + i, stop));
        }
        writers.add(new Writer(cluster.node(SURVIVOR), SURVIVOR, stop));
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        List<Future<?>> running = new ArrayList<>();
        try {
            writers.forEach(writer -> running.add(pool.submit(writer)));
            List<Writer> victimWriters = writers.subList(0, VICTIM_WRITERS);
            for (int kill = 1; kill <= KILLS; kill++) {
                awaitMoreAcknowledgements(victimWriters);
                long pid = victim.pid();
                victim.kill();
                long restartStartedNanos = System.nanoTime();
                victim.launch();
                victim.awaitServing();
                System.out.printf("fsync %s: kill -9 of %s (pid %d) after %d acknowledged writes; serving again after %d ms"
                        + "; %s%n", fsync, VICTIM, pid, acknowledged(writers),
                        (System.nanoTime() - restartStartedNanos) / 1_000_000, recoveryReport(victim, fsync));
            }
            awaitMoreAcknowledgements(victimWriters);
        } finally {
            stop.set(true);
            for (Future<?> writer : running) {
                writer.get(60, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }

        long convergenceStartedNanos = System.nanoTime();
        Faults.awaitConvergence(cluster);
        System.out.printf("fsync %s: converged %d ms after the writers stopped%n", fsync,
                (System.nanoTime() - convergenceStartedNanos) / 1_000_000);

        Set<String> acknowledgedElements = new TreeSet<>();
        Set<String> attemptedElements = new TreeSet<>();
        long acknowledgedIncrements = 0;
        long attemptedIncrements = 0;
        long indeterminate = 0;
        long errorReplies = 0;
        for (Writer writer : writers) {
            acknowledgedElements.addAll(writer.acknowledgedElements);
            attemptedElements.addAll(writer.attemptedElements);
            acknowledgedIncrements += writer.acknowledgedIncrements.get();
            attemptedIncrements += writer.attemptedIncrements.get();
            indeterminate += writer.indeterminate.get();
            errorReplies += writer.errorReplies.get();
        }
        Set<String> lostElements = new TreeSet<>();
        long incrementsLostMax = 0;
        StringBuilder perNode = new StringBuilder();
        for (NodeProcess node : cluster.nodes()) {
            try (Jedis jedis = node.client()) {
                Set<String> members = jedis.smembers(SET_KEY);
                long counter = Long.parseLong(jedis.get(COUNTER_KEY));
                Set<String> missing = new TreeSet<>(acknowledgedElements);
                missing.removeAll(members);
                lostElements.addAll(missing);
                incrementsLostMax = Math.max(incrementsLostMax, acknowledgedIncrements - counter);
                perNode.append(String.format("  %s: %d elements (%d acknowledged ones missing), counter %d%n",
                        node.replica(), members.size(), missing.size(), counter));
                assertThat(attemptedElements).as(node.replica() + " holds only elements some writer sent")
                        .containsAll(members);
                assertThat(counter).as(node.replica() + " counter: no increment applied twice")
                        .isLessThanOrEqualTo(attemptedIncrements);
            }
        }
        long lost = lostElements.size() + incrementsLostMax;
        System.out.printf("fsync %s: %d kills; acknowledged SADD %d of %d sent, acknowledged INCR %d of %d sent, "
                        + "%d indeterminate, %d error replies%n%s",
                fsync, KILLS, acknowledgedElements.size(), attemptedElements.size(), acknowledgedIncrements,
                attemptedIncrements, indeterminate, errorReplies, perNode);
        System.out.printf("fsync %s: lost acknowledged writes = %d%n", fsync, lost);
        assertThat(lostElements).as("acknowledged SADD elements missing on some node").isEmpty();
        assertThat(lost).as("lost acknowledged writes").isZero();
    }

    /** What the restarted node says in INFO persistence about its policy and its recovery. */
    private static String recoveryReport(NodeProcess node, String fsync) {
        try (Jedis jedis = node.client()) {
            String persistence = jedis.info("persistence");
            assertThat(persistence).contains("fsync_policy:" + fsync).contains("recovered_log_records:")
                    .contains("recovered_torn_tail_dropped:");
            return persistence.lines().filter(line -> line.startsWith("recovered_")).reduce((a, b) -> a + " " + b)
                    .orElse("");
        }
    }

    private static long acknowledged(List<Writer> writers) {
        return writers.stream().mapToLong(Writer::acknowledged).sum();
    }

    /** Waits until the victim's writers got more acknowledgements: the kill lands in the middle of their load. */
    private static void awaitMoreAcknowledgements(List<Writer> writers) {
        long target = acknowledged(writers) + ACKNOWLEDGED_WRITES_BETWEEN_KILLS;
        Faults.awaitTrue(target + " acknowledged writes", LOAD_WAIT_MAX, () -> acknowledged(writers) >= target,
                () -> "acknowledged so far: " + acknowledged(writers));
    }
}
