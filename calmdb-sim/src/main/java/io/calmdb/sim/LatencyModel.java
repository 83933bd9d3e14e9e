package io.calmdb.sim;

import io.calmdb.crdt.ReplicaId;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * How long a message takes on one link, drawn afresh for every message from the simulation's generator. Models
 * are stateless; the factories below cover the fixed, uniform and region-matrix cases.
 */
public interface LatencyModel {
    /** The one-way delay of a message from {@code from} to {@code to}, in milliseconds (>= 0). */
    long latencyMillis(ReplicaId from, ReplicaId to, RandomGenerator random);

    /** Every message takes exactly {@code millis}. */
    static LatencyModel fixed(long millis) {
        Require.argument(millis >= 0, "millis", "must be >= 0, got " + millis);
        return (from, to, random) -> millis;
    }

    /** Every message takes a uniformly random delay in [{@code minMillis}, {@code maxMillis}]. */
    static LatencyModel uniform(long minMillis, long maxMillis) {
        Require.argument(minMillis >= 0 && maxMillis >= minMillis, "minMillis, maxMillis",
                "must satisfy 0 <= min <= max, got " + minMillis + ", " + maxMillis);
        return (from, to, random) -> minMillis == maxMillis ? minMillis : random.nextLong(minMillis, maxMillis + 1);
    }

    /**
     * Half the {@link Region} round trip between the regions of the two nodes, plus a uniformly random extra of up
     * to {@code jitterFraction} of it (queueing and routing noise). Every node must be placed in a region.
     */
    static LatencyModel regions(Map<ReplicaId, Region> placement, double jitterFraction) {
        Require.notNull(placement, "placement");
        Require.argument(jitterFraction >= 0 && jitterFraction <= 1, "jitterFraction", "must be in [0, 1], got "
                + jitterFraction);
        Map<ReplicaId, Region> copy = Map.copyOf(placement);
        return (from, to, random) -> {
            Region a = copy.get(from);
            Region b = copy.get(to);
            Require.argument(a != null && b != null, "placement", "has no region for " + (a == null ? from : to));
            long oneWay = Math.max(1, a.roundTripMillis(b) / 2);
            long jitterMax = Math.round(oneWay * jitterFraction);
            return jitterMax == 0 ? oneWay : oneWay + random.nextLong(jitterMax + 1);
        };
    }
}
