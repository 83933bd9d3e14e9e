package io.calmdb.sim.experiment;

import io.calmdb.sim.cluster.ClaimSimulation;
import io.calmdb.sim.cluster.ClusterScenario;
import io.calmdb.sim.cluster.Durability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code calmdb sim claims}: the claim workload of issue 8 ({@link ClaimSimulation}) over whole replica cores, with
 * partitions, crashes (some by power loss) and message loss; checks no name has two owners, only authorities decide,
 * and every accepted claim is visible everywhere after the heal. The cluster experiment takes no workload option, so
 * the claim workload is an experiment of its own.
 */
final class ClaimsExperiment implements Experiment {
    /** Seeds run when none are asked for. */
    static final int SEEDS_DEFAULT = 4;
    /** Nodes simulated when no size is asked for. */
    static final int NODES_DEFAULT = 3;
    /** Client requests per region per virtual second. */
    static final int CLAIMS_PER_SECOND_PER_NODE = 300;
    /** Virtual milliseconds of workload per run. */
    static final long WORKLOAD_MILLIS = 10_000;

    @Override
    public String name() {
        return "claims";
    }

    @Override
    public String summary() {
        return "claims, releases and SET NX locks under partitions, crashes and loss; checks no name has two owners,"
                + " only authorities decide, and accepted claims are visible everywhere after the heal";
    }

    @Override
    public ExperimentResult run(ExperimentOptions options, ProgressListener progress) {
        int seeds = options.seedsOr(SEEDS_DEFAULT);
        int nodes = options.nodesOr(NODES_DEFAULT);
        if (nodes < 3 || nodes > ClusterScenario.NODES_MAX) {
            throw new IllegalArgumentException("nodes must be in [3, " + ClusterScenario.NODES_MAX + "] for the"
                    + " claims experiment, got " + nodes);
        }
        List<List<Object>> rows = new ArrayList<>();
        long failedRuns = 0;
        long requests = 0;
        long violations = 0;
        long runs = 0;
        for (long seed = options.seed(); seed < options.seed() + seeds; seed++) {
            Durability durability = seed % 2 == 0 ? Durability.ALWAYS : Durability.EVERYSEC;
            ClaimSimulation.Report report = ClaimSimulation.run(new ClaimSimulation.Scenario(seed, nodes, durability,
                    CLAIMS_PER_SECOND_PER_NODE, WORKLOAD_MILLIS, ClusterScenario.PlantedBug.NONE));
            progress.progress(++runs, seeds);
            requests += report.requests();
            violations += report.violations().size();
            if (!report.passed()) {
                failedRuns++;
            }
            rows.add(List.of(seed, durability.name().toLowerCase(java.util.Locale.ROOT), report.requests(),
                    report.accepted(), report.rejected(), report.answeredPending(), report.pendingResolvedLater(),
                    report.released(), report.crashes(), report.powerLosses(), report.partitions(),
                    report.convergedAfterMillis(), report.violations().isEmpty() ? "" : report.violations().get(0)));
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("firstSeed", options.seed());
        parameters.put("seeds", seeds);
        parameters.put("nodes", nodes);
        parameters.put("claimsPerSecondPerNode", CLAIMS_PER_SECOND_PER_NODE);
        parameters.put("workloadMillis", WORKLOAD_MILLIS);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("runs", runs);
        totals.put("failedRuns", failedRuns);
        totals.put("requests", requests);
        totals.put("violations", violations);
        List<Table> tables = List.of(new Table("Runs (replay one with --seed N --seeds 1)", List.of("seed", "policy",
                "requests", "accepted", "rejected", "pending", "resolved later", "released", "crashes", "power losses",
                "partitions", "converged ms", "first violation"), rows));
        List<String> notes = List.of(
                "Even seeds run under always, odd ones under everysec; half the crashes cut the power.",
                "pending: answers that were PENDING; resolved later: of those, the ones CLAIM.STATUS resolved.",
                "A run passes when no name had two owners, every decision came from the name's authority, and every"
                        + " accepted claim still held is visible at every region after the heal.");
        return new ExperimentResult(name(), parameters, tables, notes, failedRuns == 0, totals);
    }
}
