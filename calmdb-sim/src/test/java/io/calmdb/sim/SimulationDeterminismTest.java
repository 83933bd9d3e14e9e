package io.calmdb.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.GCounter;
import io.calmdb.replication.broadcast.AntiEntropyConfig;
import io.calmdb.replication.broadcast.AntiEntropyMessage;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.GossipConfig;
import io.calmdb.replication.broadcast.GossipMessage;
import io.calmdb.replication.broadcast.RelayMessage;
import org.junit.jupiter.api.Test;

/**
 * The simulator's central promise: a seed and a scenario determine the run, byte for byte. Each scenario here turns
 * on every fault (loss, duplication, reordering, partitions, clogging, crashes, restarts) so that every random draw
 * and every tie between simultaneous events is part of the compared trace.
 */
class SimulationDeterminismTest {
    private static final long SEED = 20_240_601L;

    private static Trace causalRun(long seed) {
        Trace trace = Trace.recording();
        FaultyScenario scenario = new FaultyScenario(seed, trace);
        BroadcastCluster<RelayMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.causal(self, members, 100), 0, true);
        cluster.start();
        scenario.plan(cluster, 20, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
        scenario.runToQuiet();
        return trace;
    }

    private static Trace gossipRun(long seed) {
        Trace trace = Trace.recording();
        FaultyScenario scenario = new FaultyScenario(seed, trace);
        GossipConfig config = new GossipConfig(GossipConfig.Style.PUSH_PULL, 2, 100, 30);
        BroadcastCluster<GossipMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.gossip(self, members, config, random), 0, false);
        cluster.start();
        scenario.plan(cluster, 20, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
        scenario.runToQuiet();
        return trace;
    }

    private static Trace antiEntropyRun(long seed) {
        Trace trace = Trace.recording();
        FaultyScenario scenario = new FaultyScenario(seed, trace);
        AntiEntropyConfig config = new AntiEntropyConfig(250, 2, 50, 300);
        BroadcastCluster<AntiEntropyMessage<GCounter>, GCounter> cluster = BroadcastCluster.create(
                scenario.simulation, scenario.network, scenario.members, (self, members, recovered, random) ->
                        Broadcasts.antiEntropyRecovered(self, members, config, random, recovered.stream()
                                .map(stored -> new AntiEntropyMessage.Event<>(stored.id(), stored.payload())).toList()),
                400, false);
        cluster.start();
        scenario.plan(cluster, 20, FaultyScenario.NodeFault.CRASH_AND_RESTART,
                (origin, index) -> new GCounter().increment(origin, index + 1));
        scenario.runToQuiet();
        return trace;
    }

    @Test
    void sameSeed_givesByteIdenticalTrace_forCausalBroadcast() {
        Trace first = causalRun(SEED);
        Trace second = causalRun(SEED);
        assertThat(first.lines()).isGreaterThan(1_000);
        assertThat(first.truncated()).isFalse();
        assertThat(second.bytes()).isEqualTo(first.bytes());
        assertThat(second.digest()).isEqualTo(first.digest());
    }

    @Test
    void sameSeed_givesByteIdenticalTrace_forGossip() {
        Trace first = gossipRun(SEED);
        assertThat(first.lines()).isGreaterThan(1_000);
        assertThat(gossipRun(SEED).bytes()).isEqualTo(first.bytes());
    }

    @Test
    void sameSeed_givesByteIdenticalTrace_forAntiEntropyWithCrashAndRestart() {
        Trace first = antiEntropyRun(SEED);
        assertThat(first.text()).contains("crash ").contains("restart ").contains("partition heal");
        assertThat(antiEntropyRun(SEED).bytes()).isEqualTo(first.bytes());
    }

    @Test
    void differentSeeds_giveDifferentTraces() {
        assertThat(causalRun(SEED + 1).digest()).isNotEqualTo(causalRun(SEED).digest());
        assertThat(gossipRun(SEED + 1).digest()).isNotEqualTo(gossipRun(SEED).digest());
    }
}
