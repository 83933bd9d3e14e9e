package io.calmdb.sim;

/**
 * The faults a {@link SimNetwork} injects into every message, on top of partitions and clogging, which are
 * scheduled separately.
 *
 * @param latency the one-way delay model
 * @param lossRate the probability that a message is dropped
 * @param duplicationRate the probability that a message is delivered twice (the copy with its own delay)
 * @param reorderRate the probability that a message is held back by an extra random delay, so that later messages
 *     on the same link overtake it
 * @param reorderDelayMillisMax the largest extra delay of a reordered message
 */
public record NetworkConfig(LatencyModel latency, double lossRate, double duplicationRate, double reorderRate,
        long reorderDelayMillisMax) {
    public NetworkConfig {
        Require.notNull(latency, "latency");
        Require.argument(lossRate >= 0 && lossRate < 1, "lossRate", "must be in [0, 1), got " + lossRate);
        Require.argument(duplicationRate >= 0 && duplicationRate <= 1, "duplicationRate",
                "must be in [0, 1], got " + duplicationRate);
        Require.argument(reorderRate >= 0 && reorderRate <= 1, "reorderRate", "must be in [0, 1], got "
                + reorderRate);
        Require.argument(reorderDelayMillisMax >= 0, "reorderDelayMillisMax", "must be >= 0, got "
                + reorderDelayMillisMax);
    }

    /** A network that only delays. */
    public static NetworkConfig perfect(LatencyModel latency) {
        return new NetworkConfig(latency, 0, 0, 0, 0);
    }

    /** This configuration with messages lost at {@code rate}. */
    public NetworkConfig withLoss(double rate) {
        return new NetworkConfig(latency, rate, duplicationRate, reorderRate, reorderDelayMillisMax);
    }

    /** This configuration with messages duplicated at {@code rate}. */
    public NetworkConfig withDuplication(double rate) {
        return new NetworkConfig(latency, lossRate, rate, reorderRate, reorderDelayMillisMax);
    }

    /** This configuration with messages held back by up to {@code delayMillisMax} at {@code rate}. */
    public NetworkConfig withReordering(double rate, long delayMillisMax) {
        return new NetworkConfig(latency, lossRate, duplicationRate, rate, delayMillisMax);
    }
}
