package io.calmdb.sim;

import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.GossipConfig;
import io.calmdb.replication.broadcast.GossipMessage;
import io.calmdb.sim.check.BroadcastChecks;
import io.calmdb.sim.check.Violations;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Push, pull and push-pull gossip under loss, duplication, reordering, partitions, clogging and a sender crashing
 * midway, {@link SeedSweep#SEEDS} seeds per style. The rumour lifetime outlasts the longest partition of the fault
 * plan, which is what makes agreement among correct nodes hold; a shorter lifetime may lose rumours for good.
 */
class GossipPropertyTest {
    private static final int BROADCASTS = 25;
    private static final long PERIOD_MILLIS = 100;
    private static final int FANOUT = 2;
    /** Two partitions of up to 1.6 s may overlap: 60 rounds of 100 ms outlast them with room to spare. */
    private static final int LIFETIME_ROUNDS = 60;

    static List<Violations> gossip(long seed, GossipConfig.Style style) {
        FaultyScenario scenario = new FaultyScenario(seed, Trace.off());
        GossipConfig config = new GossipConfig(style, FANOUT, PERIOD_MILLIS, LIFETIME_ROUNDS);
        BroadcastCluster<GossipMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.gossip(self, members, config, random), 0, false);
        cluster.start();
        scenario.plan(cluster, BROADCASTS, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
        scenario.runToQuiet();
        List<Violations> results = new ArrayList<>(BroadcastChecks.safety(cluster.log()));
        results.add(BroadcastChecks.agreement(cluster.log(), cluster.correctNodes()));
        results.add(BroadcastChecks.validity(cluster.log(), cluster.correctNodes()));
        return results;
    }

    @Test
    void push_informsEveryCorrectNode_underFaults() {
        SeedSweep.assertAllHold(GossipPropertyTest.class, seed -> gossip(seed, GossipConfig.Style.PUSH));
    }

    @Test
    void pull_informsEveryCorrectNode_underFaults() {
        SeedSweep.assertAllHold(GossipPropertyTest.class, seed -> gossip(seed, GossipConfig.Style.PULL));
    }

    @Test
    void pushPull_informsEveryCorrectNode_underFaults() {
        SeedSweep.assertAllHold(GossipPropertyTest.class, seed -> gossip(seed, GossipConfig.Style.PUSH_PULL));
    }

    @Test
    void replaysOneSeed() {
        for (GossipConfig.Style style : GossipConfig.Style.values()) {
            SeedSweep.assertOneHolds(seed -> gossip(seed, style));
        }
    }
}
