package io.calmdb.sim.cluster;

/**
 * What one whole-cluster simulation runs: its seed, size, fsync policy and the planted bug, if any. The faults
 * (partitions, crashes, loss, duplication, reordering, clock skew) are drawn from the seed.
 *
 * @param seed           the run's only source of randomness
 * @param nodes          replicas in the cluster, 3 to {@link #NODES_MAX}
 * @param durability     the fsync policy every node runs under
 * @param workloadMillis how long clients write and faults strike, in virtual milliseconds
 * @param plantedBug     a deliberate driver bug, to show the checker finds it; {@link PlantedBug#NONE} normally
 */
public record ClusterScenario(long seed, int nodes, Durability durability, long workloadMillis, PlantedBug plantedBug) {
    /** The largest cluster simulated. */
    public static final int NODES_MAX = 7;
    /** Default {@link #workloadMillis()}: 12 virtual seconds. */
    public static final long WORKLOAD_MILLIS_DEFAULT = 12_000;

    /** Bugs a test may plant in the simulated driver to prove the checks can fail. */
    public enum PlantedBug {
        NONE,
        /** Acknowledges (and ships) a local write as soon as it is appended, before the log makes it durable. */
        ACKNOWLEDGE_BEFORE_DURABLE,
        /** Commits each write of a transaction as its own delta, the later ones a few milliseconds after the first. */
        SPLIT_TRANSACTIONS,
        /** Claim workload only: the authority's decisions are written but not synced, as under the node's policy. */
        CLAIMS_UNSYNCED
    }

    public ClusterScenario {
        if (nodes < 3 || nodes > NODES_MAX) {
            throw new IllegalArgumentException("nodes must be in [3, " + NODES_MAX + "], got " + nodes);
        }
        if (workloadMillis < 1_000) {
            throw new IllegalArgumentException("workloadMillis must be >= 1000, got " + workloadMillis);
        }
        java.util.Objects.requireNonNull(durability, "durability");
        java.util.Objects.requireNonNull(plantedBug, "plantedBug");
    }

    /** A scenario with the defaults: no planted bug, the default workload length. */
    public static ClusterScenario of(long seed, int nodes, Durability durability) {
        return new ClusterScenario(seed, nodes, durability, WORKLOAD_MILLIS_DEFAULT, PlantedBug.NONE);
    }
}
