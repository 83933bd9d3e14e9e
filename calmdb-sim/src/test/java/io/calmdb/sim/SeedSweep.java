package io.calmdb.sim;

import static org.assertj.core.api.Assertions.fail;

import io.calmdb.sim.check.Violations;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Runs a property scenario over many seeds and fails with every failing seed and the command that replays one,
 * so a red build always says how to reproduce it.
 */
final class SeedSweep {
    /** Seeds per protocol in the default test run. */
    static final int SEEDS = 200;
    /** The first seed; seeds run from here upwards. */
    static final long FIRST_SEED = 1;
    /** The system property that {@code replaysOneSeed} tests read. */
    static final String SEED_PROPERTY = "calmdb.seed";

    private SeedSweep() {}

    static void assertAllHold(Class<?> testClass, LongFunction<List<Violations>> scenario) {
        List<String> failures = new ArrayList<>();
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            List<Violations> results;
            try {
                results = scenario.apply(seed);
            } catch (RuntimeException e) {
                failures.add("seed " + seed + ": threw " + e);
                continue;
            }
            for (Violations violations : results) {
                if (!violations.none()) {
                    failures.add("seed " + seed + ": " + violations);
                }
            }
        }
        if (!failures.isEmpty()) {
            System.err.println(testClass.getSimpleName() + " failing seeds:\n  " + String.join("\n  ", failures));
            fail(failures.size() + " failure(s); replay one with: mvn -pl calmdb-sim -am test "
                    + "-Dsurefire.failIfNoSpecifiedTests=false -Dtest=" + testClass.getSimpleName()
                    + "#replaysOneSeed -D" + SEED_PROPERTY + "=SEED\n" + String.join("\n", failures));
        }
    }

    static void assertOneHolds(LongFunction<List<Violations>> scenario) {
        long seed = Long.getLong(SEED_PROPERTY, FIRST_SEED);
        List<Violations> results = scenario.apply(seed);
        for (Violations violations : results) {
            if (!violations.none()) {
                fail("seed " + seed + ": " + violations);
            }
        }
    }
}
