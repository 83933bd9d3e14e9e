package io.calmdb.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.DeliveryOrder;
import io.calmdb.replication.broadcast.RelayMessage;
import io.calmdb.sim.check.BroadcastChecks;
import io.calmdb.sim.check.Violations;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Best-effort, reliable, FIFO and causal broadcast under loss, duplication, reordering, partitions of every shape,
 * clogging and a sender crashing midway, over {@link SeedSweep#SEEDS} seeds each. Each protocol has its own replay
 * method, so a failing seed can be rerun alone with {@code -Dcalmdb.seed=N}.
 */
class BroadcastPropertyTest {
    private static final int BROADCASTS = 25;
    private static final long RETRANSMIT_PERIOD_MILLIS = 100;
    /** Deliberately tiny, so that the hold-back bound and the refusal path are exercised. */
    private static final int HOLD_BACK_CAPACITY_MESSAGES = 4;

    static List<Violations> bestEffort(long seed) {
        FaultyScenario scenario = new FaultyScenario(seed, Trace.off());
        BroadcastCluster<RelayMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.bestEffort(self, members), 0, false);
        cluster.start();
        scenario.plan(cluster, BROADCASTS, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
        scenario.runToQuiet();
        return BroadcastChecks.safety(cluster.log());
    }

    static List<Violations> reliable(long seed) {
        FaultyScenario scenario = new FaultyScenario(seed, Trace.off());
        BroadcastCluster<RelayMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.reliable(self, members, RETRANSMIT_PERIOD_MILLIS), 0, false);
        cluster.start();
        scenario.plan(cluster, BROADCASTS, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
        scenario.runToQuiet();
        List<Violations> results = new ArrayList<>(BroadcastChecks.safety(cluster.log()));
        results.add(BroadcastChecks.agreement(cluster.log(), cluster.correctNodes()));
        results.add(BroadcastChecks.validity(cluster.log(), cluster.correctNodes()));
        return results;
    }

    static List<Violations> ordered(long seed, DeliveryOrder order) {
        FaultyScenario scenario = new FaultyScenario(seed, Trace.off());
        BroadcastCluster<RelayMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.ordered(self, members, order, RETRANSMIT_PERIOD_MILLIS, HOLD_BACK_CAPACITY_MESSAGES),
                0, true);
        long[] holdBackHighWater = {0};
        cluster.onDelivery((node, id, payload) -> holdBackHighWater[0] = Math.max(holdBackHighWater[0],
                cluster.protocol(node).gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)));
        cluster.start();
        scenario.plan(cluster, BROADCASTS, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
        scenario.runToQuiet();
        List<Violations> results = new ArrayList<>(BroadcastChecks.safety(cluster.log()));
        results.add(BroadcastChecks.agreement(cluster.log(), cluster.correctNodes()));
        results.add(BroadcastChecks.validity(cluster.log(), cluster.correctNodes()));
        results.add(BroadcastChecks.fifoOrder(cluster.log()));
        if (order == DeliveryOrder.CAUSAL) {
            results.add(BroadcastChecks.causalOrder(cluster.log()));
        }
        assertThat(holdBackHighWater[0]).as("hold-back size, seed %d", seed)
                .isLessThanOrEqualTo(HOLD_BACK_CAPACITY_MESSAGES);
        // A message can stay held back for ever only if it waits for a message of a crashed origin that no correct
        // node ever received; without a failure detector nobody can tell that message will never come.
        long fromCrashedOrigins = cluster.log().broadcasts().stream()
                .filter(sent -> cluster.everCrashed(sent.origin())).count();
        for (ReplicaId node : cluster.correctNodes()) {
            assertThat(cluster.protocol(node).gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES))
                    .as("messages left held back at %s, seed %d", node, seed)
                    .isLessThanOrEqualTo(fromCrashedOrigins);
        }
        return results;
    }

    @Test
    void bestEffort_neverDuplicatesOrInvents_underFaults() {
        SeedSweep.assertAllHold(BroadcastPropertyTest.class, BroadcastPropertyTest::bestEffort);
    }

    @Test
    void reliable_reachesEveryCorrectNode_evenWhenTheSenderCrashesMidway() {
        SeedSweep.assertAllHold(BroadcastPropertyTest.class, BroadcastPropertyTest::reliable);
    }

    @Test
    void fifo_deliversEachOriginInOrder_underFaults() {
        SeedSweep.assertAllHold(BroadcastPropertyTest.class, seed -> ordered(seed, DeliveryOrder.FIFO));
    }

    @Test
    void causal_neverDeliversBeforeACause_andKeepsTheHoldBackBound() {
        SeedSweep.assertAllHold(BroadcastPropertyTest.class, seed -> ordered(seed, DeliveryOrder.CAUSAL));
    }

    @Test
    void replaysOneSeed() {
        SeedSweep.assertOneHolds(BroadcastPropertyTest::bestEffort);
        SeedSweep.assertOneHolds(BroadcastPropertyTest::reliable);
        SeedSweep.assertOneHolds(seed -> ordered(seed, DeliveryOrder.FIFO));
        SeedSweep.assertOneHolds(seed -> ordered(seed, DeliveryOrder.CAUSAL));
    }
}
