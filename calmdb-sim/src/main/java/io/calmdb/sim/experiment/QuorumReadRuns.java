package io.calmdb.sim.experiment;

import io.calmdb.sim.cluster.QuorumReadSimulation;
import java.util.ArrayList;
import java.util.List;

/**
 * The quorum-read workload (issue 8) as part of {@code calmdb sim cluster}: {@link QuorumReadSimulation} over the
 * experiment's seeds, summed into one table (and a table of failing seeds).
 */
final class QuorumReadRuns {
    /** Failing seeds listed; the count covers them all. */
    static final int FAILURES_LISTED_MAX = 20;

    final List<Table> tables = new ArrayList<>();
    long failedRuns;
    long violations;

    static QuorumReadRuns run(long firstSeed, int seeds, int nodes) {
        QuorumReadRuns runs = new QuorumReadRuns();
        long acknowledged = 0;
        long served = 0;
        long members = 0;
        long timeouts = 0;
        long unjustified = 0;
        long repairs = 0;
        List<List<Object>> failures = new ArrayList<>();
        for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
            QuorumReadSimulation.Result result = QuorumReadSimulation.run(seed, nodes);
            acknowledged += result.additionsAcknowledged();
            served += result.readsServed();
            members += result.membersChecked();
            timeouts += result.timeouts();
            unjustified += result.timeoutsReachable();
            repairs += result.repairsSent();
            runs.violations += result.violations().size();
            if (!result.passed()) {
                runs.failedRuns++;
                if (failures.size() < FAILURES_LISTED_MAX) {
                    failures.add(List.of(seed, result.violations().size(), result.violations().get(0)));
                }
            }
        }
        runs.tables.add(new Table("Quorum reads (R from 1 to N after WAIT w, under partitions and loss)",
                List.of("seeds", "acknowledged writes", "quorum reads served", "acknowledged members checked",
                        "timeouts", "timeouts with R reachable", "repairs sent", "violations"),
                List.of(List.of(seeds, acknowledged, served, members, timeouts, unjustified, repairs,
                        runs.violations))));
        if (!failures.isEmpty()) {
            runs.tables.add(new Table("Failing quorum-read seeds", List.of("seed", "violations", "first violation"),
                    failures));
        }
        return runs;
    }
}
