package io.calmdb.crdt;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A grow-only counter: one slot per replica, each incremented only by its own replica; the value is the sum of
 * the slots and merge takes the slot-wise maximum. Because a slot only ever grows and only its owner writes it,
 * the maximum is always the newest count, so merge is commutative, associative and idempotent.
 *
 * <p>Worked example: replica A increments twice and B once, concurrently: A = {A:2}, B = {B:1}. Merging in
 * either order gives {A:2, B:1}, value 3, and merging that result again changes nothing.
 *
 * <p>A delta is a counter holding only the incremented slot at its new value. Mutable, not thread-safe.
 */
public final class GCounter implements Crdt<GCounter> {
    private static final ReplicaId[] NO_REPLICAS = new ReplicaId[0];
    private static final long[] NO_SLOTS = new long[0];

    // Sorted by replica id, every slot > 0; arrays may have spare capacity past size.
    private ReplicaId[] replicas;
    private long[] slots;
    private int size;

    public GCounter() {
        this(NO_REPLICAS, NO_SLOTS, 0);
    }

    private GCounter(ReplicaId[] replicas, long[] slots, int size) {
        this.replicas = replicas;
        this.slots = slots;
        this.size = size;
    }

    /** The counter's value: the sum of all slots. Throws {@link ArithmeticException} if it exceeds a long. */
    public long value() {
        long sum = 0;
        for (int i = 0; i < size; i++) {
            sum = Math.addExact(sum, slots[i]);
        }
        return sum;
    }

    /** Adds one at {@code replica}; returns the delta. */
    public GCounter increment(ReplicaId replica) {
        return increment(replica, 1);
    }

    /**
     * Adds {@code amount} (> 0) to {@code replica}'s slot and returns the delta: a counter with just that slot.
     *
     * @throws ArithmeticException if the slot would exceed {@link Long#MAX_VALUE}; the state is unchanged
     */
    public GCounter increment(ReplicaId replica, long amount) {
        Checks.notNull(replica, "replica");
        Checks.argument(amount > 0, "amount", "must be > 0", amount);
        int i = indexOf(replica);
        if (i < 0) {
            i = insert(-i - 1, replica);
        }
        slots[i] = Math.addExact(slots[i], amount);
        return new GCounter(new ReplicaId[] {replica}, new long[] {slots[i]}, 1);
    }

    /** The slot of {@code replica} (0 when absent). */
    public long slot(ReplicaId replica) {
        int i = indexOf(replica);
        return i >= 0 ? slots[i] : 0;
    }

    /** The non-zero slots, ordered by replica id. */
    public Map<ReplicaId, Long> slots() {
        Map<ReplicaId, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(replicas[i], slots[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    @Override
    public GCounter merge(GCounter other) {
        for (int j = 0; j < other.size; j++) {
            int i = indexOf(other.replicas[j]);
            if (i < 0) {
                i = insert(-i - 1, other.replicas[j]);
            }
            if (other.slots[j] > slots[i]) {
                slots[i] = other.slots[j];
            }
        }
        return this;
    }

    @Override
    public GCounter copy() {
        return new GCounter(Arrays.copyOf(replicas, size), Arrays.copyOf(slots, size), size);
    }

    private int indexOf(ReplicaId replica) {
        for (int i = 0; i < size && size <= 8; i++) {
            if (replicas[i] == replica) {
                return i;
            }
        }
        return Arrays.binarySearch(replicas, 0, size, replica);
    }

    private int insert(int at, ReplicaId replica) {
        if (size == replicas.length) {
            int capacity = Math.max(4, size * 2);
            replicas = Arrays.copyOf(replicas, capacity);
            slots = Arrays.copyOf(slots, capacity);
        }
        System.arraycopy(replicas, at, replicas, at + 1, size - at);
        System.arraycopy(slots, at, slots, at + 1, size - at);
        replicas[at] = replica;
        slots[at] = 0;
        size++;
        return at;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GCounter other) || other.size != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!replicas[i].equals(other.replicas[i]) || slots[i] != other.slots[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return slots().hashCode();
    }

    @Override
    public String toString() {
        return "GCounter" + slots() + " = " + value();
    }

    /** The codec for counters: a replica count, then (replica id, slot) pairs in replica order. */
    public static StateCodec<GCounter> codec() {
        return CODEC;
    }

    private static final StateCodec<GCounter> CODEC = new StateCodec<>() {
        @Override
        public CrdtType type() {
            return CrdtType.G_COUNTER;
        }

        @Override
        public void write(ByteWriter out, GCounter state) {
            writeSlots(out, state);
        }

        @Override
        public GCounter read(ByteReader in) throws CodecException {
            return readSlots(in);
        }
    };

    static void writeSlots(ByteWriter out, GCounter state) {
        out.writeVarInt(state.size);
        for (int i = 0; i < state.size; i++) {
            out.writeReplicaId(state.replicas[i]);
            out.writeVarLong(state.slots[i]);
        }
    }

    static GCounter readSlots(ByteReader in) throws CodecException {
        int count = in.readCount(CodecLimits.REPLICAS_MAX, 3, "counter slot");
        ReplicaId[] replicas = new ReplicaId[count];
        long[] slots = new long[count];
        for (int i = 0; i < count; i++) {
            int at = in.position();
            replicas[i] = in.readReplicaId();
            if (i > 0 && replicas[i].compareTo(replicas[i - 1]) <= 0) {
                throw in.fail("counter slots are not in strictly increasing replica order", at);
            }
            slots[i] = in.readVarLong(1, Long.MAX_VALUE, "counter slot");
        }
        return new GCounter(replicas, slots, count);
    }
}
