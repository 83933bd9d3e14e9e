package io.calmdb.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A multi-value register: a write replaces every value the writer has seen, and writes that were concurrent all
 * survive until a later write that has seen them replaces them (the MV-Register of Shapiro et al., "A
 * comprehensive study of Convergent and Commutative Replicated Data Types", 2011, in the causal delta form of
 * Almeida et al.). Nothing is lost silently: a reader sees every concurrent value and may resolve them.
 *
 * <p>Each write also carries a {@link HlcTimestamp}, so {@link #lastWriterValue()} offers the deterministic
 * last-writer-wins reading (greatest timestamp, then greatest replica id) on top of the same state. That is how
 * an {@link OrMap} holds registers whose key removal is still observed-remove.
 *
 * <p>Example: A writes "x"; B, having seen it, writes "y" while C concurrently writes "z". After merge the
 * register holds {@code ["y", "z"]}; a later write "w" by a replica that has seen both leaves only {@code ["w"]}.
 *
 * <p>Mutable, not thread-safe.
 */
public final class MvRegister<V> implements Crdt<MvRegister<V>>, CausalValue<MvRegister<V>> {
    /** One written value with the hybrid-logical-clock time of its write. */
    public record Write<V>(V value, HlcTimestamp timestamp) {
        public Write {
            Checks.notNull(value, "value");
            Checks.notNull(timestamp, "timestamp");
        }
    }

    private final DotFunction<Write<V>> store;
    private final CausalContext context;
    private boolean partial;

    public MvRegister() {
        this(new DotFunction<>(), new CausalContext(), false);
    }

    private MvRegister(DotFunction<Write<V>> store, CausalContext context, boolean partial) {
        this.store = store;
        this.context = context;
        this.partial = partial;
    }

    /**
     * Writes {@code value} at {@code replica}, replacing every value this replica has seen, and returns the
     * delta.
     */
    public MvRegister<V> write(ReplicaId replica, V value, HlcTimestamp timestamp) {
        Checks.notNull(replica, "replica");
        Write<V> write = new Write<>(value, timestamp);
        Dot dot = context.nextDot(replica);
        MvRegister<V> delta = new MvRegister<>(new DotFunction<>(), new CausalContext(), true);
        store.collectDots(delta.context);
        delta.context.settle();
        delta.context.add(dot);
        delta.store.put(dot, write);
        store.clear();
        store.put(dot, write);
        context.add(dot);
        return delta;
    }

    /** Removes every value this replica has seen and returns the delta. */
    public MvRegister<V> clear() {
        MvRegister<V> delta = new MvRegister<>(new DotFunction<>(), new CausalContext(), false);
        store.collectDots(delta.context);
        delta.context.settle();
        store.clear();
        return delta;
    }

    /** The concurrent values, in the order of the dots that wrote them. Empty when never written or cleared. */
    public List<V> values() {
        List<V> values = new ArrayList<>(store.size());
        for (Map.Entry<Dot, Write<V>> entry : store.entries()) {
            values.add(entry.getValue().value());
        }
        return Collections.unmodifiableList(values);
    }

    /** The value of the greatest (timestamp, replica id) among the concurrent writes. */
    public Optional<V> lastWriterValue() {
        return store.entries().stream()
                .max(Comparator.<Map.Entry<Dot, Write<V>>, HlcTimestamp>comparing(e -> e.getValue().timestamp())
                        .thenComparing(e -> e.getKey().replica()))
                .map(e -> e.getValue().value());
    }

    /** For inspection: each surviving write with its dot. */
    public List<Map.Entry<Dot, Write<V>>> writes() {
        return store.entries();
    }

    @Override
    public CausalContext context() {
        return context;
    }

    @Override
    public boolean isPartial() {
        return partial;
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty();
    }

    @Override
    public MvRegister<V> merge(MvRegister<V> other) {
        Checks.notNull(other, "other");
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public void joinStore(MvRegister<V> other, CausalContext thisContext, CausalContext otherContext) {
        store.join(other.store, thisContext, otherContext);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        store.collectDots(into);
    }

    @Override
    public MvRegister<V> copy() {
        return copyWith(context.copy());
    }

    @Override
    public MvRegister<V> copyWith(CausalContext sharedContext) {
        return new MvRegister<>(store.copy(), sharedContext, partial);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MvRegister<?> other && partial == other.partial && store.equals(other.store)
                && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return (partial ? "MvRegister(delta)" : "MvRegister") + store + " context " + context;
    }

    public static <V> StateCodec<MvRegister<V>> codec(ValueCodec<V> valueCodec) {
        return CausalCodec.of(type(valueCodec));
    }

    /** The type descriptor for nesting registers inside an {@link OrMap}. */
    public static <V> CausalType<MvRegister<V>> type(ValueCodec<V> valueCodec) {
        Checks.notNull(valueCodec, "valueCodec");
        return new CausalType<>() {
            @Override
            public CrdtType crdtType() {
                return CrdtType.MV_REGISTER;
            }

            @Override
            public MvRegister<V> empty(CausalContext sharedContext) {
                return new MvRegister<>(new DotFunction<>(), sharedContext, false);
            }

            @Override
            public MvRegister<V> emptyDelta(CausalContext sharedContext) {
                return new MvRegister<>(new DotFunction<>(), sharedContext, true);
            }

            @Override
            public void writeStore(ByteWriter out, MvRegister<V> register) {
                register.store.write(out, register.context, (o, write) -> {
                    o.writeVarLong(write.timestamp().physicalMillis());
                    o.writeVarInt(write.timestamp().logical());
                    valueCodec.write(o, write.value());
                });
            }

            @Override
            public MvRegister<V> readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                    throws CodecException {
                DotFunction<Write<V>> store = DotFunction.read(in, context, i -> {
                    long physical = i.readVarLong(0, Long.MAX_VALUE, "timestamp milliseconds");
                    int logical = (int) i.readVarLong(0, Integer.MAX_VALUE, "timestamp logical counter");
                    return new Write<>(valueCodec.read(i), new HlcTimestamp(physical, logical));
                }, CodecLimits.REPLICAS_MAX);
                return new MvRegister<>(store, context, partial);
            }
        };
    }
}
