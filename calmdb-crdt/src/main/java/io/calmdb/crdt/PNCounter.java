package io.calmdb.crdt;

import java.math.BigInteger;
import java.util.Map;

/**
 * A counter that goes up and down: two {@link GCounter}s, one counting increments ({@code P}) and one counting
 * decrements ({@code N}), whose value is {@code P - N}. This is the PN-Counter of Shapiro, Preguiça, Baquero and
 * Zawirski, "Conflict-free Replicated Data Types" (SSS 2011, and the companion INRIA report RR-7506, "A
 * comprehensive study of Convergent and Commutative Replicated Data Types"), in the delta-state form of
 * Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (JPDC 2018).
 *
 * <p>Why two grow-only counters rather than one signed slot per replica: a signed slot can go down, so the
 * slot-wise maximum would no longer pick the newest value and a merge could forget a decrement. Keeping
 * increments and decrements apart makes each half a grow-only counter whose merge (slot-wise maximum) is
 * commutative, associative and idempotent, and a pair of such lattices is again a lattice.
 *
 * <p>Worked example: replica A increments three times ({@code P = {A:3}}) while replica B concurrently
 * decrements once ({@code N = {B:1}}). After merging either way round both hold {@code P = {A:3}, N = {B:1}}
 * and the value is {@code 3 - 1 = 2}. There is no floor: a counter that must stay at or above zero needs
 * {@link BoundedCounter}, which costs occasional coordination.
 *
 * <p>A delta is a counter holding only the slot the mutator changed, at its new value. Mutable and not
 * thread-safe, like every CalmDB state; {@link #copy()} hands a snapshot to another thread.
 */
public final class PNCounter implements Crdt<PNCounter> {
    private final GCounter increments;
    private final GCounter decrements;

    /** An empty counter: value 0, no slots. */
    public PNCounter() {
        this(new GCounter(), new GCounter());
    }

    private PNCounter(GCounter increments, GCounter decrements) {
        this.increments = increments;
        this.decrements = decrements;
    }

    /**
     * The counter's value: all increments minus all decrements, computed exactly.
     *
     * @throws ArithmeticException when the exact value does not fit in a {@code long}
     */
    public long value() {
        try {
            return Math.subtractExact(increments.value(), decrements.value());
        } catch (ArithmeticException sumOverflowed) {
            // Either sum alone may overflow while the difference still fits; only then pay for BigInteger.
            BigInteger exact = BigInteger.ZERO;
            for (long slot : increments.slots().values()) {
                exact = exact.add(BigInteger.valueOf(slot));
            }
            for (long slot : decrements.slots().values()) {
                exact = exact.subtract(BigInteger.valueOf(slot));
            }
            return exact.longValueExact();
        }
    }

    /** Adds one at {@code replica}; returns the delta. */
    public PNCounter increment(ReplicaId replica) {
        return increment(replica, 1);
    }

    /**
     * Adds {@code amount} (> 0) to {@code replica}'s increment slot and returns the delta: a counter holding only
     * that slot. The caller must be {@code replica} itself, because only a slot's owner may advance it.
     *
     * @throws ArithmeticException if the slot would exceed {@link Long#MAX_VALUE}; the state is unchanged
     */
    public PNCounter increment(ReplicaId replica, long amount) {
        return new PNCounter(increments.increment(replica, amount), new GCounter());
    }

    /** Subtracts one at {@code replica}; returns the delta. */
    public PNCounter decrement(ReplicaId replica) {
        return decrement(replica, 1);
    }

    /**
     * Adds {@code amount} (> 0) to {@code replica}'s decrement slot and returns the delta: a counter holding only
     * that slot. The value may go below zero; nothing here forbids it.
     *
     * @throws ArithmeticException if the slot would exceed {@link Long#MAX_VALUE}; the state is unchanged
     */
    public PNCounter decrement(ReplicaId replica, long amount) {
        return new PNCounter(new GCounter(), decrements.increment(replica, amount));
    }

    /** The total increments made at each replica, ordered by replica id (non-zero slots only). */
    public Map<ReplicaId, Long> increments() {
        return increments.slots();
    }

    /** The total decrements made at each replica, ordered by replica id (non-zero slots only). */
    public Map<ReplicaId, Long> decrements() {
        return decrements.slots();
    }

    /** Joins {@code other} into this counter: the slot-wise maximum of both halves. Returns this counter. */
    @Override
    public PNCounter merge(PNCounter other) {
        Checks.notNull(other, "other");
        if (other != this) {
            increments.merge(other.increments);
            decrements.merge(other.decrements);
        }
        return this;
    }

    @Override
    public PNCounter copy() {
        return new PNCounter(increments.copy(), decrements.copy());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PNCounter other && increments.equals(other.increments) && decrements.equals(other.decrements);
    }

    @Override
    public int hashCode() {
        return 31 * increments.hashCode() + decrements.hashCode();
    }

    @Override
    public String toString() {
        String value;
        try {
            value = Long.toString(value());
        } catch (ArithmeticException e) {
            value = "(beyond 64 bits)";
        }
        return "PNCounter{P=" + increments() + ", N=" + decrements() + "} = " + value;
    }

    /**
     * The codec for PN-counters: the increment slots then the decrement slots, each written as a
     * {@link GCounter} body (a replica count, then (replica id, slot) pairs in strictly increasing replica order).
     */
    public static StateCodec<PNCounter> codec() {
        return CODEC;
    }

    private static final StateCodec<PNCounter> CODEC = new StateCodec<>() {
        @Override
        public CrdtType type() {
            return CrdtType.PN_COUNTER;
        }

        @Override
        public void write(ByteWriter out, PNCounter state) {
            GCounter.writeSlots(out, state.increments);
            GCounter.writeSlots(out, state.decrements);
        }

        @Override
        public PNCounter read(ByteReader in) throws CodecException {
            GCounter increments = GCounter.readSlots(in);
            GCounter decrements = GCounter.readSlots(in);
            return new PNCounter(increments, decrements);
        }
    };
}
