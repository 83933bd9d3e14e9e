package io.calmdb.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The quorum-read workload over seeds: a read with W + R > N sees every write acknowledged before it, and a read
 * times out only when fewer than R regions were reachable. A failing seed is printed with the line that replays it.
 */
class QuorumReadSimulationTest {
    /** Seeds with three nodes in the default test run. */
    static final int SEEDS = 8;
    /** The system property {@link #replaysOneSeed} reads. */
    static final String SEED_PROPERTY = "calmdb.seed";

    @Test
    void everySeed_seesEveryAcknowledgedWrite_andTimesOutOnlyWhenTooFewRegionsAreReachable() {
        List<String> failures = new ArrayList<>();
        long checked = 0;
        long timeouts = 0;
        long repairs = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            QuorumReadSimulation.Result result = QuorumReadSimulation.run(seed, 3);
            if (!result.passed()) {
                failures.add(result.violations().size() + " violation(s), first: " + result.violations().get(0));
            }
            checked += result.membersChecked();
            timeouts += result.timeouts();
            repairs += result.repairsSent();
        }
        System.out.printf("quorum reads over %d seeds: %d acknowledged members checked, %d timeouts, %d repairs%n",
                SEEDS, checked, timeouts, repairs);
        if (!failures.isEmpty()) {
            fail(failures.size() + " failing seed(s); replay one with mvn -pl calmdb-sim -am test "
                    + "-Dsurefire.failIfNoSpecifiedTests=false -Dtest=QuorumReadSimulationTest#replaysOneSeed -D"
                    + SEED_PROPERTY + "=SEED\n" + String.join("\n", failures));
        }
        assertThat(checked).as("reads that had acknowledged writes to see").isPositive();
        assertThat(timeouts).as("partitions made some reads time out").isPositive();
        assertThat(repairs).as("lagging replicas were repaired").isPositive();
    }

    @Test
    void fiveNodes_seeEveryAcknowledgedWrite() {
        for (long seed = 1; seed <= 2; seed++) {
            QuorumReadSimulation.Result result = QuorumReadSimulation.run(seed, 5);
            assertThat(result.violations()).as("seed %d with 5 nodes", seed).isEmpty();
            assertThat(result.readsServed()).isPositive();
        }
    }

    @Test
    void readsServedLocally_areCaughtMissingAcknowledgedWrites() {
        long caught = 0;
        for (long seed = 1; seed <= 2; seed++) {
            QuorumReadSimulation.Result result = QuorumReadSimulation.run(seed, 3,
                    QuorumReadSimulation.PlantedBug.SERVE_LOCALLY);
            caught += result.violations().stream().filter(line -> line.contains("misses")).count();
        }
        assertThat(caught).as("violations found in reads that never asked another region").isPositive();
    }

    @Test
    void readsThatFailWhileEnoughRegionsAreReachable_areCaught() {
        QuorumReadSimulation.Result result = QuorumReadSimulation.run(1, 3, QuorumReadSimulation.PlantedBug.FAIL_AT_ONCE);
        assertThat(result.timeoutsReachable()).isPositive();
        assertThat(result.violations()).anyMatch(line -> line.contains("regions were reachable throughout"));
    }

    @Test
    void replaysOneSeed() {
        long seed = Long.getLong(SEED_PROPERTY, 1);
        assertThat(QuorumReadSimulation.run(seed, 3).violations()).as("seed %d", seed).isEmpty();
    }
}
