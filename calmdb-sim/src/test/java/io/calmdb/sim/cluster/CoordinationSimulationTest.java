package io.calmdb.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bounded counters and generated IDs on whole replica cores under the simulator (issue 8): no counter below its MIN
 * at any replica at any observation, converged values equal to INIT + acknowledged increments - acknowledged
 * decrements, and no ID handed out twice, over many seeds with partitions, crashes, clock steps and message loss.
 */
class CoordinationSimulationTest {
    /** Seeds per fsync policy in the default test run. */
    static final int SEEDS = Integer.getInteger("calmdb.coordination.seeds", 6);
    /** Virtual workload per seed, in milliseconds. */
    static final long WORKLOAD_MILLIS = 6_000;

    @ParameterizedTest
    @EnumSource(Durability.class)
    void everySeed_keepsCountersAboveMin_andIdsUnique(Durability durability) {
        List<String> failures = new ArrayList<>();
        long decrements = 0;
        long refused = 0;
        long waited = 0;
        long transfers = 0;
        long ids = 0;
        long clockRefusals = 0;
        long observations = 0;
        int crashes = 0;
        int partitions = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            CoordinationSimulation.Result result = CoordinationSimulation.run(
                    new ClusterScenario(seed, 3, durability, WORKLOAD_MILLIS, ClusterScenario.PlantedBug.NONE));
            if (!result.passed()) {
                failures.add("seed " + seed + ": " + result.violations().size() + " violation(s), first: "
                        + result.violations().get(0));
            }
            decrements += result.decrementsAcknowledged();
            refused += result.decrementsRefusedForRights();
            waited += result.decrementsWaitedAndServed();
            transfers += result.rightsTransfers();
            ids += result.idsIssued();
            clockRefusals += result.idRefusalsClockBackwards();
            observations += result.observations();
            crashes += result.crashes();
            partitions += result.partitions();
        }
        System.out.printf("coordination sim (%s, %d seeds): %d decrements acknowledged (%d after waiting for rights),"
                        + " %d refused for rights, %d rights transfers, %d IDs issued with 0 duplicates, %d ID requests"
                        + " refused for a backwards clock, %d floor observations, %d crashes, %d partitions%n",
                durability, SEEDS, decrements, waited, refused, transfers, ids, clockRefusals, observations, crashes,
                partitions);
        if (!failures.isEmpty()) {
            fail(failures.size() + " failing seed(s) under " + durability + "\n" + String.join("\n", failures));
        }
        assertThat(waited).as("decrements served after a rights transfer").isPositive();
        assertThat(refused).as("decrements refused for rights").isPositive();
        assertThat(clockRefusals).as("IDs refused for a clock that went backwards").isPositive();
        assertThat(crashes).isPositive();
        assertThat(ids).isGreaterThan(1_000);
    }
}
