package io.calmdb.replication.core;

import java.util.TreeSet;

/**
 * The contiguous prefix of one peer's acknowledgements of this replica's broadcasts, with the acknowledgements
 * above the prefix remembered until the gap below them fills. Bounded by use: the stream only has so many
 * messages unacknowledged at once.
 */
final class ContiguousAcks {
    private long floor;
    private final TreeSet<Long> above = new TreeSet<>();

    ContiguousAcks(long floor) {
        this.floor = floor;
    }

    void add(long sequence) {
        if (sequence <= floor) {
            return;
        }
        above.add(sequence);
        absorb();
    }

    /** The peer reported (in a digest) that it holds everything through {@code sequence}. */
    void advanceTo(long sequence) {
        if (sequence > floor) {
            floor = sequence;
            above.headSet(floor, true).clear();
            absorb();
        }
    }

    private void absorb() {
        while (!above.isEmpty() && above.first() == floor + 1) {
            floor = above.pollFirst();
        }
    }

    long floor() {
        return floor;
    }
}
