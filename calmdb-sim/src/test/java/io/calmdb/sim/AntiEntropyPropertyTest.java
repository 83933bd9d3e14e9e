package io.calmdb.sim;

import io.calmdb.crdt.GCounter;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.AntiEntropyConfig;
import io.calmdb.replication.broadcast.AntiEntropyMessage;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.sim.check.BroadcastChecks;
import io.calmdb.sim.check.ConvergenceCheck;
import io.calmdb.sim.check.Violations;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Anti-entropy, alone and under tree push, feeding G-Counter replicas, under loss, duplication, reordering,
 * partitions, clogging and a node that crashes (losing what it had not flushed) and restarts. After the faults heal
 * every replica, the restarted one included, must hold the merge of every delta ever broadcast.
 */
class AntiEntropyPropertyTest {
    private static final int BROADCASTS = 25;
    private static final long STORAGE_FLUSH_PERIOD_MILLIS = 500;

    static List<Violations> replicate(long seed, AntiEntropyConfig config) {
        FaultyScenario scenario = new FaultyScenario(seed, Trace.off());
        BroadcastCluster<AntiEntropyMessage<GCounter>, GCounter> cluster = BroadcastCluster.create(
                scenario.simulation, scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.antiEntropyRecovered(self, members, config, random, recovered.stream()
                                .map(stored -> new AntiEntropyMessage.Event<>(stored.id(), stored.payload())).toList()),
                STORAGE_FLUSH_PERIOD_MILLIS, false);
        Map<ReplicaId, GCounter> replicas = new TreeMap<>();
        for (ReplicaId member : scenario.members) {
            replicas.put(member, new GCounter());
        }
        cluster.onDelivery((node, id, delta) -> replicas.get(node).merge(delta));
        cluster.onRestart((node, durable) -> {
            GCounter rebuilt = new GCounter();
            durable.forEach(stored -> rebuilt.merge(stored.payload()));
            replicas.put(node, rebuilt);
        });
        cluster.start();
        scenario.plan(cluster, BROADCASTS, FaultyScenario.NodeFault.CRASH_AND_RESTART,
                (origin, index) -> new GCounter().increment(origin, index + 1));
        scenario.runToQuiet();
        GCounter oracle = new GCounter();
        cluster.log().broadcasts().forEach(sent -> oracle.merge(sent.payload()));
        List<Violations> results = new ArrayList<>(BroadcastChecks.safety(cluster.log()));
        results.add(BroadcastChecks.agreement(cluster.log(), cluster.correctNodes()));
        results.add(BroadcastChecks.validity(cluster.log(), cluster.correctNodes()));
        results.add(ConvergenceCheck.check(replicas, oracle));
        return results;
    }

    static List<Violations> exchangeOnly(long seed) {
        return replicate(seed, AntiEntropyConfig.exchangeOnly(200));
    }

    static List<Violations> treeWithRepair(long seed) {
        return replicate(seed, new AntiEntropyConfig(300, 2, 50, 400));
    }

    @Test
    void exchange_convergesEveryReplica_includingOneRestartedAfterLosingUnflushedWrites() {
        SeedSweep.assertAllHold(AntiEntropyPropertyTest.class, AntiEntropyPropertyTest::exchangeOnly);
    }

    @Test
    void treePushWithRepair_convergesEveryReplica_underFaults() {
        SeedSweep.assertAllHold(AntiEntropyPropertyTest.class, AntiEntropyPropertyTest::treeWithRepair);
    }

    @Test
    void replaysOneSeed() {
        SeedSweep.assertOneHolds(AntiEntropyPropertyTest::exchangeOnly);
        SeedSweep.assertOneHolds(AntiEntropyPropertyTest::treeWithRepair);
    }
}
