package io.calmdb.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pub/sub workload over the real replica cores: order, no duplicates, nothing invented, nothing resent. */
class PubSubSimulationTest {
    @Test
    void overLinksThatLoseNothing_everyConnectedRegionGetsEveryMessage_andACutOneNeverDoes() {
        for (long seed = 1; seed <= 8; seed++) {
            PubSubSimulation.Result result = PubSubSimulation.run(seed, 3, PubSubSimulation.Mode.PARTITIONED);
            assertThat(result.violations()).as("replay with PubSubSimulation.run(%d, 3, PARTITIONED): %s", seed,
                    result.summary()).isEmpty();
            assertThat(result.expectedDeliveries()).as(result.summary()).isPositive();
            assertThat(result.cutDeliveries()).as(result.summary()).isPositive();
        }
    }

    @Test
    void overLinksThatLoseDuplicateAndReorder_eachPublishersMessagesArriveAtMostOnceAndInOrder() {
        for (long seed = 1; seed <= 8; seed++) {
            PubSubSimulation.Result result = PubSubSimulation.run(seed, 3, PubSubSimulation.Mode.LOSSY);
            assertThat(result.violations()).as("replay with PubSubSimulation.run(%d, 3, LOSSY): %s", seed,
                    result.summary()).isEmpty();
            assertThat(result.delivered()).as(result.summary()).isPositive();
        }
    }

    @Test
    void fiveRegions_keepTheGuaranteeToo() {
        PubSubSimulation.Result result = PubSubSimulation.run(11, 5, PubSubSimulation.Mode.PARTITIONED);
        assertThat(result.violations()).as(result.summary()).isEmpty();
    }

    @Test
    void aRunIsAPureFunctionOfItsSeed() {
        assertThat(PubSubSimulation.run(5, 3, PubSubSimulation.Mode.LOSSY).summary())
                .isEqualTo(PubSubSimulation.run(5, 3, PubSubSimulation.Mode.LOSSY).summary());
    }
}
