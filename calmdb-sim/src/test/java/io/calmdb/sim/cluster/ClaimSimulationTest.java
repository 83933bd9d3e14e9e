package io.calmdb.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The claim workload under partitions, crashes (some by power loss) and message loss: no name with two owners, only
 * authorities decide, and every accepted claim is visible everywhere after the heal. Each run prints its counts and
 * its replay line.
 */
class ClaimSimulationTest {
    @ParameterizedTest(name = "seed {0}, {1} nodes, {2}, {3} claims/s/node for {4} ms")
    @CsvSource({
            "1, 3, EVERYSEC, 300, 3000",
            "2, 3, ALWAYS, 300, 3000", "3, 3, EVERYSEC, 300, 3000", "4, 3, EVERYSEC, 300, 3000",
    })
    void claims_neverHaveTwoOwners_areDecidedOnlyByTheirAuthority_andAreVisibleEverywhereAfterTheHeal(long seed,
            int nodes, Durability durability, int rate, long workloadMillis) {
        ClaimSimulation.Report report = ClaimSimulation.run(new ClaimSimulation.Scenario(seed, nodes, durability, rate,
                workloadMillis, ClusterScenario.PlantedBug.NONE));
        System.out.println(report.summary());
        assertThat(report.violations()).as(report.summary()).isEmpty();
        assertThat(report.accepted()).isPositive();
        assertThat(report.answeredPending()).as("the partitions made some claims PENDING").isPositive();
    }
}
