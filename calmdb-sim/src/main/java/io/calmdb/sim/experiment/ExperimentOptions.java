package io.calmdb.sim.experiment;

/**
 * What the user chose on the command line. Zero for {@code seeds} or {@code nodes} means "the experiment's default".
 *
 * @param seed the first seed; runs use {@code seed, seed + 1, ...}
 * @param seeds how many seeds to run (0: the experiment's default)
 * @param nodes the cluster size (0: the experiment's default or its built-in list of sizes)
 */
public record ExperimentOptions(long seed, int seeds, int nodes) {
    /** The most seeds one invocation may run. */
    public static final int SEEDS_MAX = 100_000;
    /** The largest cluster an experiment may simulate. */
    public static final int NODES_MAX = 50_000;

    public ExperimentOptions {
        if (seeds < 0 || seeds > SEEDS_MAX) {
            throw new IllegalArgumentException("seeds must be in [0, " + SEEDS_MAX + "], got " + seeds);
        }
        if (nodes < 0 || nodes > NODES_MAX) {
            throw new IllegalArgumentException("nodes must be in [0, " + NODES_MAX + "], got " + nodes);
        }
    }

    /** The defaults: seed 1, each experiment's own seed count and sizes. */
    public static ExperimentOptions defaults() {
        return new ExperimentOptions(1, 0, 0);
    }

    int seedsOr(int fallback) {
        return seeds > 0 ? seeds : fallback;
    }

    int nodesOr(int fallback) {
        return nodes > 0 ? nodes : fallback;
    }
}
