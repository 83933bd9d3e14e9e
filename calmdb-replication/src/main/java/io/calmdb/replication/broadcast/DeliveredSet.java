package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The ids a node has already delivered, kept per origin as a contiguous prefix ({@code floor}: every counter up to
 * it is seen) plus the counters seen above the prefix. Best-effort links leave permanent gaps, so the counters kept
 * above the floor are bounded by {@link #SEEN_ABOVE_FLOOR_MAX_IDS} per origin: when the bound is hit, the floor
 * jumps over the oldest gap and a message from that gap arriving later is treated as already seen. That trades a
 * very late message for bounded memory and never causes a duplicate delivery.
 */
final class DeliveredSet {
    /** Ids remembered above one origin's contiguous prefix before the oldest gap is given up. */
    static final int SEEN_ABOVE_FLOOR_MAX_IDS = 4096;

    private static final class Origin {
        long floor;
        final TreeSet<Long> above = new TreeSet<>();
    }

    private final Map<ReplicaId, Origin> origins = new HashMap<>();
    private long gapsGivenUp;

    /** Records {@code id}; returns true when it was not seen before (so the caller should deliver it). */
    boolean add(Dot id) {
        Origin origin = origins.computeIfAbsent(id.replica(), replica -> new Origin());
        long counter = id.counter();
        if (counter <= origin.floor || origin.above.contains(counter)) {
            return false;
        }
        if (counter == origin.floor + 1) {
            origin.floor = counter;
            absorb(origin);
        } else {
            origin.above.add(counter);
            if (origin.above.size() > SEEN_ABOVE_FLOOR_MAX_IDS) {
                origin.floor = origin.above.pollFirst();
                gapsGivenUp++;
                absorb(origin);
            }
        }
        return true;
    }

    private static void absorb(Origin origin) {
        while (!origin.above.isEmpty() && origin.above.first() == origin.floor + 1) {
            origin.floor = origin.above.pollFirst();
        }
    }

    /** True when {@code id} was seen (or falls in a gap that was given up). */
    boolean contains(Dot id) {
        Origin origin = origins.get(id.replica());
        return origin != null && (id.counter() <= origin.floor || origin.above.contains(id.counter()));
    }

    /** The contiguous prefix seen from {@code replica}. */
    long floor(ReplicaId replica) {
        Origin origin = origins.get(replica);
        return origin == null ? 0 : origin.floor;
    }

    /** The contiguous prefixes of every origin as a version vector: a compact summary of what was seen. */
    VersionVector floors() {
        VersionVector vector = VersionVector.empty();
        for (Map.Entry<ReplicaId, Origin> entry : origins.entrySet()) {
            vector = vector.with(entry.getKey(), entry.getValue().floor);
        }
        return vector;
    }

    /** Ids held above the floors, over all origins. */
    long idsAboveFloors() {
        long count = 0;
        for (Origin origin : origins.values()) {
            count += origin.above.size();
        }
        return count;
    }

    long gapsGivenUp() {
        return gapsGivenUp;
    }
}
