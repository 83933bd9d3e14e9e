package io.calmdb.replication.keyspace;

import io.calmdb.crdt.BoundedCounter;
import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.CodecLimits;
import io.calmdb.crdt.ReplicaId;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of a key that coordination mechanisms keep (issue 8): a bounded counter with its floor ({@code BC.*}), or
 * the high-water marks of an ID namespace ({@code ID.*}). Neither holds dots: every entry only grows and is written by
 * one region, so the join is the entry-wise maximum and needs no causal context, and an observed remove
 * ({@code DEL}) leaves it alone. That is deliberate: removing a counter's rights or forgetting a region's last issued
 * ID is exactly what would break the invariants they protect (a value below its floor, a duplicate ID).
 *
 * <ul>
 *   <li>Bounded counter: a {@link BoundedCounter} (rights per region; see its class comment) and the floor
 *       {@code MIN}; the value is {@code floor + counter.value()}, so it is never below the floor. Concurrent
 *       {@code BC.INIT}s of one key join: their amounts add up as increments and the greater floor wins.
 *   <li>ID namespace: per region, an {@link IdMark}: the time field and sequence of the last ID it issued, the highest
 *       clock reading it issued at, and its region index (so a second region configured with the same index is
 *       caught).
 * </ul>
 *
 * Mutable, like every CRDT here; mutators change this slot and return the delta.
 */
final class CoordinationSlot {
    /** Flag bit (in the key's expiry flag byte) announcing a bounded counter after the expiry slot. */
    static final int BOUNDED_FOLLOWS = 2;
    /** Flag bit announcing ID marks after the bounded counter (if any). */
    static final int MARKS_FOLLOW = 4;

    /** One region's high-water mark in an ID namespace. */
    record IdMark(int region, long clockMillis, long idMillis, int sequence) {
        IdMark join(IdMark other) {
            boolean otherNewer = other.idMillis > idMillis || (other.idMillis == idMillis && other.sequence > sequence);
            return new IdMark(otherNewer ? other.region : region, Math.max(clockMillis, other.clockMillis),
                    otherNewer ? other.idMillis : idMillis, otherNewer ? other.sequence : sequence);
        }
    }

    private boolean bounded;
    private long floor;
    private BoundedCounter counter;
    private TreeMap<ReplicaId, IdMark> marks;

    static CoordinationSlot empty() {
        return new CoordinationSlot();
    }

    boolean isEmpty() {
        return !bounded && marks == null;
    }

    boolean isBounded() {
        return bounded;
    }

    boolean hasMarks() {
        return marks != null;
    }

    long floor() {
        return floor;
    }

    BoundedCounter counter() {
        return counter;
    }

    /** The marks by region (empty when this is not an ID namespace). */
    Map<ReplicaId, IdMark> marks() {
        return marks == null ? Map.of() : java.util.Collections.unmodifiableMap(marks);
    }

    int flags() {
        return (bounded ? BOUNDED_FOLLOWS : 0) | (marks != null ? MARKS_FOLLOW : 0);
    }

    // ------------------------------------------------------------------------------------------------------
    // Mutators: each changes this slot and returns the delta.

    /** Makes this a bounded counter with {@code floor} and {@code amount} (>= 0) rights at {@code replica}. */
    CoordinationSlot initBounded(ReplicaId replica, long floorValue, long amount) {
        CoordinationSlot delta = new CoordinationSlot();
        delta.bounded = true;
        delta.floor = floorValue;
        delta.counter = new BoundedCounter();
        if (!bounded) {
            bounded = true;
            floor = floorValue;
            counter = new BoundedCounter();
        } else {
            floor = Math.max(floor, floorValue);
        }
        if (amount > 0) {
            delta.counter = counter.increment(replica, amount);
        }
        return delta;
    }

    /** Wraps a counter delta (from {@link BoundedCounter}'s mutators on {@link #counter()}) as a slot delta. */
    CoordinationSlot boundedDelta(BoundedCounter counterDelta) {
        CoordinationSlot delta = new CoordinationSlot();
        delta.bounded = true;
        delta.floor = floor;
        delta.counter = counterDelta;
        return delta;
    }

    /** Records {@code mark} as {@code replica}'s high-water mark; returns the delta. */
    CoordinationSlot mark(ReplicaId replica, IdMark mark) {
        if (marks == null) {
            marks = new TreeMap<>();
        }
        marks.merge(replica, mark, IdMark::join);
        CoordinationSlot delta = new CoordinationSlot();
        delta.marks = new TreeMap<>(Map.of(replica, marks.get(replica)));
        return delta;
    }

    // ------------------------------------------------------------------------------------------------------
    // Lattice

    void join(CoordinationSlot other) {
        if (other.bounded) {
            if (!bounded) {
                bounded = true;
                floor = other.floor;
                counter = other.counter.copy();
            } else {
                floor = Math.max(floor, other.floor);
                counter.merge(other.counter);
            }
        }
        if (other.marks != null) {
            if (marks == null) {
                marks = new TreeMap<>();
            }
            other.marks.forEach((replica, mark) -> marks.merge(replica, mark, IdMark::join));
        }
    }

    CoordinationSlot copy() {
        CoordinationSlot copy = new CoordinationSlot();
        copy.bounded = bounded;
        copy.floor = floor;
        copy.counter = counter == null ? null : counter.copy();
        copy.marks = marks == null ? null : new TreeMap<>(marks);
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CoordinationSlot other && bounded == other.bounded && floor == other.floor
                && java.util.Objects.equals(counter, other.counter) && java.util.Objects.equals(marks, other.marks);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(bounded, floor, counter, marks);
    }

    // ------------------------------------------------------------------------------------------------------
    // Codec: what follows the expiry slot when its flag byte announces it (see KeyValue).

    void write(ByteWriter out) {
        if (bounded) {
            out.writeSignedVarLong(floor);
            BoundedCounter.codec().write(out, counter);
        }
        if (marks != null) {
            out.writeVarInt(marks.size());
            for (Map.Entry<ReplicaId, IdMark> entry : marks.entrySet()) {
                IdMark mark = entry.getValue();
                out.writeReplicaId(entry.getKey());
                out.writeVarInt(mark.region());
                out.writeVarLong(mark.clockMillis());
                out.writeVarLong(mark.idMillis());
                out.writeVarInt(mark.sequence());
            }
        }
    }

    static CoordinationSlot read(ByteReader in, int flags) throws CodecException {
        CoordinationSlot slot = new CoordinationSlot();
        if ((flags & BOUNDED_FOLLOWS) != 0) {
            slot.bounded = true;
            slot.floor = in.readSignedVarLong();
            slot.counter = BoundedCounter.codec().read(in);
            try {
                Math.addExact(slot.floor, slot.counter.value());
            } catch (ArithmeticException e) {
                throw in.fail("bounded counter value beyond 64 bits", in.position());
            }
        }
        if ((flags & MARKS_FOLLOW) != 0) {
            int at = in.position();
            // Each mark takes at least 6 bytes: a 1-character id with its length and four varints.
            int count = in.readCount(CodecLimits.REPLICAS_MAX, 6, "ID mark");
            slot.marks = new TreeMap<>();
            ReplicaId previous = null;
            for (int i = 0; i < count; i++) {
                ReplicaId replica = in.readReplicaId();
                if (previous != null && replica.compareTo(previous) <= 0) {
                    throw in.fail("ID marks are not in strictly increasing region order", at);
                }
                previous = replica;
                int region = (int) in.readVarLong(0, IdLayout.REGIONS_MAX - 1, "ID region index");
                long clock = in.readVarLong(0, Long.MAX_VALUE, "ID clock reading");
                long idMillis = in.readVarLong(0, IdLayout.TIME_MILLIS_MAX, "ID time field");
                int sequence = (int) in.readVarLong(0, IdLayout.SEQUENCES_PER_MILLI - 1, "ID sequence");
                slot.marks.put(replica, new IdMark(region, clock, idMillis, sequence));
            }
        }
        return slot;
    }
}
