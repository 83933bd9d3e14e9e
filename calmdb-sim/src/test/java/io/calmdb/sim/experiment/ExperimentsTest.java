package io.calmdb.sim.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.replication.broadcast.GossipConfig;
import org.junit.jupiter.api.Test;

/**
 * The experiments' headline claims, on small fixed seed sets so the default test run stays fast. The experiment
 * classes compute the same figures the CLI prints.
 */
class ExperimentsTest {
    private static final long[] SEEDS = {1, 2, 3};

    @Test
    void efficientBroadcast_bothSettingsPass_forFixedSeeds() {
        for (EfficientBroadcastExperiment.Setting setting : EfficientBroadcastExperiment.SETTINGS) {
            for (long seed : SEEDS) {
                EfficientBroadcastExperiment.Run run = EfficientBroadcastExperiment.run(seed,
                        EfficientBroadcastExperiment.DEFAULT_NODES, setting);
                assertThat(EfficientBroadcastExperiment.passes(setting, run))
                        .as("%s, seed %d: %s", setting.label(), seed, run).isTrue();
                assertThat(run.healthyBroadcasts()).as("broadcasts judged, seed %d", seed).isGreaterThan(500);
            }
        }
    }

    @Test
    void causal_neverShowsAReplyBeforeItsQuestion_whilePlainDeliveryDoes() {
        long plainReplyFirst = 0;
        for (long seed = 1; seed <= 20; seed++) {
            CausalExperiment.Run causal = CausalExperiment.run(seed, 6, CausalExperiment.Mode.CAUSAL);
            assertThat(causal.replyBeforeQuestion()).as("seed %d", seed).isZero();
            assertThat(causal.followUpBeforeQuestion()).as("seed %d", seed).isZero();
            assertThat(causal.causalViolations()).as("seed %d", seed).isZero();
            assertThat(CausalExperiment.run(seed, 6, CausalExperiment.Mode.FIFO).followUpBeforeQuestion())
                    .as("FIFO, seed %d", seed).isZero();
            plainReplyFirst += CausalExperiment.run(seed, 6, CausalExperiment.Mode.PLAIN).replyBeforeQuestion();
        }
        assertThat(plainReplyFirst).isPositive();
    }

    @Test
    void gossipPush_meanRounds_fallWithinTheDoerrKuennemannBounds_forOneHundredNodes() {
        int nodes = 100;
        int seeds = 100;
        double sum = 0;
        for (int seed = 1; seed <= seeds; seed++) {
            GossipExperiment.Run run = GossipExperiment.run(seed, nodes, GossipConfig.Style.PUSH);
            assertThat(run.complete()).as("seed %d", seed).isTrue();
            sum += run.rounds();
        }
        double log2 = Math.log(nodes) / Math.log(2);
        assertThat(sum / seeds).isBetween(Math.floor(log2) + Math.log(nodes) - 1.116,
                Math.ceil(log2) + Math.log(nodes) + 2.765);
    }

    @Test
    void broadcast_reliableWithRetransmission_deliversEverythingToCorrectNodes() {
        for (long seed = 1; seed <= 10; seed++) {
            BroadcastExperiment.Run run = BroadcastExperiment.run(seed, 10,
                    BroadcastExperiment.Protocol.RELIABLE_RETRANSMIT);
            assertThat(run.deliveredToCorrect()).as("seed %d", seed).isEqualTo(run.expected());
            assertThat(run.crashedMessageReached()).as("seed %d", seed).isEqualTo(run.crashedMessageExpected());
        }
    }

    @Test
    void coordinationTax_localWritesBeatQuorumWrites_inEveryRegion_andReplicasConverge() {
        CoordinationTaxExperiment.Run local = CoordinationTaxExperiment.run(1, CoordinationTaxExperiment.Mode.LOCAL);
        CoordinationTaxExperiment.Run quorum = CoordinationTaxExperiment.run(1,
                CoordinationTaxExperiment.Mode.QUORUM);
        assertThat(local.converged()).isTrue();
        assertThat(local.counterValue()).isEqualTo(3L * CoordinationTaxExperiment.WRITES_PER_CLIENT);
        local.latencies().forEach((region, samples) -> {
            assertThat(samples).hasSize(CoordinationTaxExperiment.WRITES_PER_CLIENT);
            long localMax = samples.stream().mapToLong(Long::longValue).max().orElseThrow();
            long quorumMin = quorum.latencies().get(region).stream().mapToLong(Long::longValue).min().orElseThrow();
            assertThat(localMax).as(region.name()).isLessThan(quorumMin);
        });
        // Tokyo's nearest majority partner is Virginia, 180 ms away: the seed lesson's figure.
        long tokyoQuorumMin = quorum.latencies().get(io.calmdb.sim.Region.TOKYO).stream()
                .mapToLong(Long::longValue).min().orElseThrow();
        assertThat(tokyoQuorumMin).isGreaterThanOrEqualTo(180);
    }

    @Test
    void experiments_areRegisteredUnderTheirCommandLineNames() {
        assertThat(Experiments.all()).extracting(Experiment::name).containsExactly("gossip", "broadcast", "causal",
                "efficient-broadcast", "coordination-tax", "cluster", "claims", "coordination");
    }
}
