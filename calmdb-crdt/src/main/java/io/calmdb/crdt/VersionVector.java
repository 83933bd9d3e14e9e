package io.calmdb.crdt;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ObjLongConsumer;

/**
 * A vector clock: for each replica, how many of its events have been seen. Immutable; every operation returns
 * a new vector. Replicas absent from the vector count as 0, and entries equal to 0 are never stored, so two
 * vectors that describe the same knowledge are {@link #equals equal} and encode to equal bytes.
 *
 * <p>Ordering follows the usual rules: {@code V1} happened before {@code V2} when every entry of {@code V1}
 * is at most the matching entry of {@code V2} and at least one is smaller; when each vector has an entry
 * larger than the other's, the two are concurrent. For example {@code [A:1]} is before {@code [A:1, B:1]},
 * and {@code [A:1, B:1]} is concurrent with {@code [C:1]}.
 */
public final class VersionVector {
    /** The relation between two vectors. */
    public enum Order {
        /** This vector happened before the other: the other has seen everything this one has, and more. */
        BEFORE,
        /** This vector happened after the other. */
        AFTER,
        /** Both have seen exactly the same events. */
        EQUAL,
        /** Each has seen an event the other has not. */
        CONCURRENT
    }

    private static final VersionVector EMPTY = new VersionVector(new ReplicaId[0], new long[0]);

    // Sorted by replica id; every counter is > 0.
    private final ReplicaId[] replicas;
    private final long[] counters;

    private VersionVector(ReplicaId[] replicas, long[] counters) {
        this.replicas = replicas;
        this.counters = counters;
    }

    /** The vector that has seen nothing. */
    public static VersionVector empty() {
        return EMPTY;
    }

    /** A vector with the given entries; zero entries are dropped, negative ones rejected. */
    public static VersionVector of(Map<ReplicaId, Long> entries) {
        Checks.notNull(entries, "entries");
        VersionVector result = EMPTY;
        for (Map.Entry<ReplicaId, Long> entry : entries.entrySet()) {
            result = result.with(entry.getKey(), entry.getValue());
        }
        return result;
    }

    /** The number of events of {@code replica} this vector has seen (0 when absent). */
    public long get(ReplicaId replica) {
        int index = indexOf(replica);
        return index >= 0 ? counters[index] : 0;
    }

    /** This vector with {@code replica}'s entry raised by one: the clock of a new local event. */
    public VersionVector increment(ReplicaId replica) {
        long next = get(replica) + 1;
        Checks.argument(next <= Dot.COUNTER_MAX, "replica", "has exhausted its event counter");
        return with(replica, next);
    }

    /** This vector with {@code replica}'s entry set to {@code counter} (0 removes the entry). */
    public VersionVector with(ReplicaId replica, long counter) {
        Checks.notNull(replica, "replica");
        Checks.argument(counter >= 0 && counter <= Dot.COUNTER_MAX, "counter",
                "must be in [0, " + Dot.COUNTER_MAX + "], got ", counter);
        int index = indexOf(replica);
        if (index >= 0) {
            if (counters[index] == counter) {
                return this;
            }
            if (counter == 0) {
                ReplicaId[] r = new ReplicaId[replicas.length - 1];
                long[] c = new long[counters.length - 1];
                System.arraycopy(replicas, 0, r, 0, index);
                System.arraycopy(replicas, index + 1, r, index, replicas.length - index - 1);
                System.arraycopy(counters, 0, c, 0, index);
                System.arraycopy(counters, index + 1, c, index, counters.length - index - 1);
                return new VersionVector(r, c);
            }
            long[] c = counters.clone();
            c[index] = counter;
            return new VersionVector(replicas, c);
        }
        if (counter == 0) {
            return this;
        }
        int insertAt = -index - 1;
        ReplicaId[] r = new ReplicaId[replicas.length + 1];
        long[] c = new long[counters.length + 1];
        System.arraycopy(replicas, 0, r, 0, insertAt);
        System.arraycopy(counters, 0, c, 0, insertAt);
        r[insertAt] = replica;
        c[insertAt] = counter;
        System.arraycopy(replicas, insertAt, r, insertAt + 1, replicas.length - insertAt);
        System.arraycopy(counters, insertAt, c, insertAt + 1, counters.length - insertAt);
        return new VersionVector(r, c);
    }

    /** The pointwise maximum of the two vectors: everything either has seen. */
    public VersionVector merge(VersionVector other) {
        Checks.notNull(other, "other");
        if (other.replicas.length == 0 || other == this) {
            return this;
        }
        if (replicas.length == 0) {
            return other;
        }
        ReplicaId[] r = new ReplicaId[replicas.length + other.replicas.length];
        long[] c = new long[r.length];
        int i = 0, j = 0, n = 0;
        while (i < replicas.length || j < other.replicas.length) {
            int cmp = i == replicas.length ? 1 : j == other.replicas.length ? -1 : replicas[i].compareTo(other.replicas[j]);
            if (cmp < 0) {
                r[n] = replicas[i];
                c[n++] = counters[i++];
            } else if (cmp > 0) {
                r[n] = other.replicas[j];
                c[n++] = other.counters[j++];
            } else {
                r[n] = replicas[i];
                c[n++] = Math.max(counters[i++], other.counters[j++]);
            }
        }
        VersionVector merged = new VersionVector(Arrays.copyOf(r, n), Arrays.copyOf(c, n));
        return merged.equals(this) ? this : merged;
    }

    /** How this vector relates to {@code other} under the happened-before order. */
    public Order compare(VersionVector other) {
        Checks.notNull(other, "other");
        boolean thisAhead = false, otherAhead = false;
        int i = 0, j = 0;
        while (i < replicas.length || j < other.replicas.length) {
            int cmp = i == replicas.length ? 1 : j == other.replicas.length ? -1 : replicas[i].compareTo(other.replicas[j]);
            if (cmp < 0) {
                thisAhead = true;
                i++;
            } else if (cmp > 0) {
                otherAhead = true;
                j++;
            } else {
                if (counters[i] > other.counters[j]) {
                    thisAhead = true;
                } else if (counters[i] < other.counters[j]) {
                    otherAhead = true;
                }
                i++;
                j++;
            }
            if (thisAhead && otherAhead) {
                return Order.CONCURRENT;
            }
        }
        return thisAhead ? Order.AFTER : otherAhead ? Order.BEFORE : Order.EQUAL;
    }

    /** True when this vector has seen everything {@code other} has (AFTER or EQUAL). */
    public boolean dominates(VersionVector other) {
        Order order = compare(other);
        return order == Order.AFTER || order == Order.EQUAL;
    }

    /** True when this vector has seen {@code dot}. */
    public boolean contains(Dot dot) {
        return dot.counter() <= get(dot.replica());
    }

    /** The sum of all entries: the number of events this vector has seen. */
    public long total() {
        long sum = 0;
        for (long counter : counters) {
            sum += counter;
        }
        return sum;
    }

    public int size() {
        return replicas.length;
    }

    public boolean isEmpty() {
        return replicas.length == 0;
    }

    /** The entries, ordered by replica id. */
    public Map<ReplicaId, Long> asMap() {
        Map<ReplicaId, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < replicas.length; i++) {
            map.put(replicas[i], counters[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    /** Visits the entries in replica order without allocating a map. */
    public void forEach(ObjLongConsumer<ReplicaId> action) {
        for (int i = 0; i < replicas.length; i++) {
            action.accept(replicas[i], counters[i]);
        }
    }

    private int indexOf(ReplicaId replica) {
        return Arrays.binarySearch(replicas, replica);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector other
                && Arrays.equals(replicas, other.replicas) && Arrays.equals(counters, other.counters);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(replicas) + Arrays.hashCode(counters);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < replicas.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(replicas[i].name()).append(':').append(counters[i]);
        }
        return sb.append(']').toString();
    }
}
