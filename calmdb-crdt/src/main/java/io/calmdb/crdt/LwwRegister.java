package io.calmdb.crdt;

import java.util.Objects;
import java.util.Optional;

/**
 * A last-writer-wins register: it holds one value, the one whose write carries the greatest stamp, where a
 * stamp is the pair (hybrid-logical-clock timestamp, writer replica id) compared timestamp first. This is the
 * LWW-Register of Shapiro, Preguiça, Baquero and Zawirski, "A comprehensive study of Convergent and Commutative
 * Replicated Data Types" (INRIA RR-7506, 2011), with timestamps from the hybrid logical clock of Kulkarni,
 * Demirbas, Madappa, Avva and Leone, "Logical Physical Clocks" (OPODIS 2014), and mutators in the delta-state
 * style of Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (JPDC 2018).
 *
 * <p>Why these stamps. Wall-clock time alone would let a replica whose clock runs slow overwrite a later write
 * with an earlier one, and two writes in the same millisecond would tie. A hybrid logical clock is never behind
 * any timestamp its replica has received, so a write made after seeing another write always wins over it; the
 * writer's id then breaks the remaining ties between concurrent writes deterministically, so every replica
 * picks the same winner. To make a local write win over the current value, stamp it with
 * {@code clock.now(nowMillis)} from a clock that has {@link HybridLogicalClock#receive received} every stamp
 * the replica merged.
 *
 * <p>The price is loss: of two concurrent writes, exactly one survives and the other leaves no trace. Example:
 * replica A writes "Alice" at 1000.0 and replica B concurrently writes "Bob" at 1001.0; after merging, both
 * hold "Bob" and "Alice" is gone. Use {@code MvRegister} when concurrent values must be kept.
 *
 * <p>Merge keeps the write with the greater stamp, which is a join on the total order of stamps. A replica
 * never issues one timestamp twice, so two writes with equal stamps but different values can only come from a
 * bug (a reused clock, a forged delta); merge and set throw {@link IllegalStateException} for them rather than
 * pick one silently.
 *
 * <p>A delta is a register holding exactly one write. Mutable and not thread-safe; the value itself is shared
 * between copies, so {@code V} should be immutable with value equality, as {@link ValueCodec} requires.
 *
 * @param <V> the value type
 */
public final class LwwRegister<V> implements Crdt<LwwRegister<V>> {
    // All three are null together (the empty register) or non-null together.
    private V value;
    private HlcTimestamp timestamp;
    private ReplicaId writer;

    /** An empty register: no value, below every write. */
    public LwwRegister() {}

    private LwwRegister(V value, HlcTimestamp timestamp, ReplicaId writer) {
        this.value = value;
        this.timestamp = timestamp;
        this.writer = writer;
    }

    /**
     * Writes {@code value} as {@code replica} at {@code timestamp} and returns the delta: a register holding
     * exactly this write. Equivalent to merging that delta into this register.
     *
     * <p>A write whose stamp ({@code timestamp}, {@code replica}) is below the current one is accepted and
     * changes nothing here, exactly as if it had arrived from another replica after the newer write: it lost.
     * It is not rejected, because "older" is a matter of which writes a replica has already merged, and
     * replicas must not disagree about whether a write was legal. The returned delta still holds the write, so
     * {@code state.merge(delta)} equals the state after this call on every replica. Callers that want their
     * write to win stamp it from a hybrid logical clock that has observed {@link #timestamp()}.
     *
     * @throws IllegalStateException when the register already holds a different value with the same stamp
     */
    public LwwRegister<V> set(ReplicaId replica, V value, HlcTimestamp timestamp) {
        Checks.notNull(replica, "replica");
        Checks.notNull(value, "value");
        Checks.notNull(timestamp, "timestamp");
        LwwRegister<V> delta = new LwwRegister<>(value, timestamp, replica);
        merge(delta);
        return delta;
    }

    /** The current value, or empty when nothing has been written. */
    public Optional<V> value() {
        return Optional.ofNullable(value);
    }

    /** The timestamp of the winning write, or empty when nothing has been written. */
    public Optional<HlcTimestamp> timestamp() {
        return Optional.ofNullable(timestamp);
    }

    /** The replica that made the winning write, or empty when nothing has been written. */
    public Optional<ReplicaId> writer() {
        return Optional.ofNullable(writer);
    }

    public boolean isEmpty() {
        return timestamp == null;
    }

    /**
     * Joins {@code other} into this register: afterwards it holds whichever write has the greater stamp
     * (timestamp, then writer id). Returns this register.
     *
     * @throws IllegalStateException when both hold writes with equal stamps but different values; this
     *     register is then unchanged
     */
    @Override
    public LwwRegister<V> merge(LwwRegister<V> other) {
        Checks.notNull(other, "other");
        if (other.timestamp == null || other == this) {
            return this;
        }
        int order = compareStamps(other);
        if (order < 0) {
            value = other.value;
            timestamp = other.timestamp;
            writer = other.writer;
        } else if (order == 0 && !Objects.equals(value, other.value)) {
            throw new IllegalStateException("invariant violated: two different values written by " + writer + " at "
                    + timestamp + " (a replica never reuses a timestamp): " + value + " and " + other.value);
        }
        return this;
    }

    // Negative when this register's stamp is below other's; the empty register is below every write.
    private int compareStamps(LwwRegister<V> other) {
        if (timestamp == null) {
            return other.timestamp == null ? 0 : -1;
        }
        if (other.timestamp == null) {
            return 1;
        }
        int byTimestamp = timestamp.compareTo(other.timestamp);
        return byTimestamp != 0 ? byTimestamp : writer.compareTo(other.writer);
    }

    @Override
    public LwwRegister<V> copy() {
        return new LwwRegister<>(value, timestamp, writer);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LwwRegister<?> other && Objects.equals(timestamp, other.timestamp)
                && Objects.equals(writer, other.writer) && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, timestamp, writer);
    }

    @Override
    public String toString() {
        return isEmpty() ? "LwwRegister{}" : "LwwRegister{" + value + " by " + writer + " at " + timestamp + "}";
    }

    /**
     * The codec for registers whose values {@code valueCodec} encodes. Layout: one byte, 0 for the empty
     * register (nothing follows) or 1 for a write, followed by its physical milliseconds (varint), logical
     * counter (varint), writer id and value. Any other first byte, or a logical counter beyond an {@code int},
     * is rejected.
     */
    public static <V> StateCodec<LwwRegister<V>> codec(ValueCodec<V> valueCodec) {
        Checks.notNull(valueCodec, "valueCodec");
        return new StateCodec<>() {
            @Override
            public CrdtType type() {
                return CrdtType.LWW_REGISTER;
            }

            @Override
            public void write(ByteWriter out, LwwRegister<V> state) {
                if (state.isEmpty()) {
                    out.writeByte(0);
                    return;
                }
                out.writeByte(1);
                out.writeVarLong(state.timestamp.physicalMillis());
                out.writeVarInt(state.timestamp.logical());
                out.writeReplicaId(state.writer);
                valueCodec.write(out, state.value);
            }

            @Override
            public LwwRegister<V> read(ByteReader in) throws CodecException {
                int at = in.position();
                int presence = in.readByte();
                if (presence == 0) {
                    return new LwwRegister<>();
                }
                if (presence != 1) {
                    throw in.fail("register presence byte must be 0 or 1, got " + presence, at);
                }
                long physicalMillis = in.readVarLong(0, Long.MAX_VALUE, "timestamp physical milliseconds");
                int logical = (int) in.readVarLong(0, Integer.MAX_VALUE, "timestamp logical counter");
                ReplicaId writer = in.readReplicaId();
                at = in.position();
                V value = valueCodec.read(in);
                if (value == null) {
                    throw in.fail("register value decoded as null", at);
                }
                return new LwwRegister<>(value, new HlcTimestamp(physicalMillis, logical), writer);
            }
        };
    }
}
