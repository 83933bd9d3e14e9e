package io.calmdb.sim.experiment;

import io.calmdb.sim.cluster.ClusterResult;
import io.calmdb.sim.cluster.ClusterScenario;
import io.calmdb.sim.cluster.ClusterSimulation;
import io.calmdb.sim.cluster.Durability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code calmdb sim cluster}: whole nodes (the real replica core) under client writes, partitions, crashes and
 * restarts, checked after heal for lost acknowledged writes, identical state and agreement with a model of the
 * workload. Each seed runs under both fsync policies the server offers.
 */
final class ClusterExperiment implements Experiment {
    /** Seeds run when none are asked for. */
    static final int SEEDS_DEFAULT = 20;
    /** Nodes simulated when no size is asked for. */
    static final int NODES_DEFAULT = 3;
    /** Failing runs listed in the table; the count covers them all. */
    static final int FAILURES_LISTED_MAX = 50;

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public String summary() {
        return "whole replica cores under writes, partitions, crashes and restarts; checks no acknowledged write is"
                + " lost and every replica converges to the workload's model";
    }

    @Override
    public ExperimentResult run(ExperimentOptions options, ProgressListener progress) {
        int seeds = options.seedsOr(SEEDS_DEFAULT);
        int nodes = options.nodesOr(NODES_DEFAULT);
        if (nodes < 3 || nodes > ClusterScenario.NODES_MAX) {
            throw new IllegalArgumentException("nodes must be in [3, " + ClusterScenario.NODES_MAX + "] for the"
                    + " cluster experiment, got " + nodes);
        }
        List<List<Object>> summary = new ArrayList<>();
        List<List<Object>> failures = new ArrayList<>();
        long violations = 0;
        long lost = 0;
        long runs = 0;
        long failedRuns = 0;
        long total = (long) seeds * Durability.values().length;
        for (Durability durability : Durability.values()) {
            long issued = 0;
            long acknowledged = 0;
            long waits = 0;
            long crashes = 0;
            long transfers = 0;
            long convergedMax = 0;
            long policyViolations = 0;
            for (long seed = options.seed(); seed < options.seed() + seeds; seed++) {
                ClusterResult result = ClusterSimulation.run(ClusterScenario.of(seed, nodes, durability));
                runs++;
                progress.progress(runs, total);
                issued += result.writesIssued();
                acknowledged += result.writesAcknowledged();
                waits += result.waitsChecked();
                crashes += result.crashes();
                transfers += result.stateTransfers();
                convergedMax = Math.max(convergedMax, result.convergedAfterMillis());
                policyViolations += result.violations().size();
                lost += result.lostAcknowledgedWrites();
                if (!result.passed()) {
                    failedRuns++;
                    if (failures.size() < FAILURES_LISTED_MAX) {
                        failures.add(List.of(seed, durability.name().toLowerCase(java.util.Locale.ROOT),
                                result.violations().size(), result.violations().get(0)));
                    }
                }
            }
            violations += policyViolations;
            summary.add(List.of(durability.name().toLowerCase(java.util.Locale.ROOT), seeds, issued, acknowledged,
                    waits, crashes, transfers, convergedMax, policyViolations));
        }
        // ---- Pub/Sub (issue 9): the same seeds run the pub/sub workload in both of its network modes.
        List<List<Object>> pubSubRows = new ArrayList<>();
        for (io.calmdb.sim.cluster.PubSubSimulation.Mode mode : io.calmdb.sim.cluster.PubSubSimulation.Mode.values()) {
            long published = 0;
            long delivered = 0;
            long owed = 0;
            long pubSubViolations = 0;
            for (long seed = options.seed(); seed < options.seed() + seeds; seed++) {
                io.calmdb.sim.cluster.PubSubSimulation.Result result =
                        io.calmdb.sim.cluster.PubSubSimulation.run(seed, nodes, mode);
                published += result.published();
                delivered += result.delivered();
                owed += result.expectedDeliveries();
                pubSubViolations += result.violations().size();
                if (!result.passed()) {
                    failedRuns++;
                    if (failures.size() < FAILURES_LISTED_MAX) {
                        failures.add(List.of(seed, "pubsub " + mode.name().toLowerCase(java.util.Locale.ROOT),
                                result.violations().size(), result.violations().get(0)));
                    }
                }
            }
            violations += pubSubViolations;
            pubSubRows.add(List.of(mode.name().toLowerCase(java.util.Locale.ROOT), seeds, published, delivered, owed,
                    pubSubViolations));
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("firstSeed", options.seed());
        parameters.put("seeds", seeds);
        parameters.put("nodes", nodes);
        parameters.put("workloadMillis", ClusterScenario.WORKLOAD_MILLIS_DEFAULT);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("Runs per fsync policy", List.of("policy", "seeds", "writes", "acknowledged", "waits",
                "crashes", "transfers", "converged max ms", "violations"), summary));
        tables.add(new Table("Pub/sub runs per network (per-publisher order, at most once, nothing resent)",
                List.of("network", "seeds", "published", "deliveries", "owed when connected", "violations"),
                pubSubRows));
        if (!failures.isEmpty()) {
            tables.add(new Table("Failing runs (replay one with --seed N --seeds 1)", List.of("seed", "policy",
                    "violations", "first violation"), failures));
        }
        // ---- QUORUM (issue 8): the quorum-read workload over the same seeds.
        QuorumReadRuns quorum = QuorumReadRuns.run(options.seed(), seeds, nodes);
        tables.addAll(quorum.tables);
        failedRuns += quorum.failedRuns;
        violations += quorum.violations;
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("seeds", seeds);
        totals.put("runs", runs);
        totals.put("failedRuns", failedRuns);
        totals.put("violations", violations);
        totals.put("lostAcknowledgedWrites", lost);
        List<String> notes = List.of(
                "Each seed runs once per fsync policy: always (crash = power loss) and everysec (crash = kill -9).",
                "converged max ms: the longest time, over the seeds, from the heal to identical state bytes.",
                "A run passes when no acknowledged write is lost, every replica matches the workload model, and every"
                        + " WAIT counted only peers holding the write.");
        return new ExperimentResult(name(), parameters, tables, notes, failedRuns == 0, totals);
    }
}
