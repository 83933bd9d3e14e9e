package io.calmdb.crdt;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A counter of exact decimal amounts built as a causal dot store, the decimal sibling of {@link CausalCounter}: each
 * replica keeps one entry (the dot of its latest update and its running exact sum), an update replaces the replica's
 * entry with a fresh dot, and a reset removes the entries it observed. Concurrent additions in several replicas add
 * up ({@code INCRBYFLOAT 1.5} in two regions gives 3).
 *
 * <p>Amounts are {@link BigDecimal}s, not binary floating point, because the merged value must not depend on the order
 * in which replicas' entries are summed: decimal addition is exact, so it is commutative and associative and every
 * replica reads the same value. The caller bounds the digits it adds (Redis's float results have at most 17
 * fractional digits and about 4,933 integer digits).
 *
 * <p>Mutable, not thread-safe.
 */
public final class CausalDecimalCounter implements Crdt<CausalDecimalCounter>, CausalValue<CausalDecimalCounter> {
    /** The most bytes of one encoded unscaled amount: 16 KiB, more than the exact decimal of any x87 long double. */
    public static final int AMOUNT_BYTES_MAX = 16 * 1024;
    /** The largest decimal scale (fractional digits, or negative for trailing zeros) an encoded amount may carry. */
    public static final int SCALE_MAX = 20_000;

    private final DotFunction<BigDecimal> store;
    private final CausalContext context;
    private boolean partial;

    public CausalDecimalCounter() {
        this(new DotFunction<>(), new CausalContext(), false);
    }

    private CausalDecimalCounter(DotFunction<BigDecimal> store, CausalContext context, boolean partial) {
        this.store = store;
        this.context = context;
        this.partial = partial;
    }

    /** The exact sum of the surviving entries. */
    public BigDecimal value() {
        BigDecimal value = BigDecimal.ZERO;
        for (Map.Entry<Dot, BigDecimal> entry : store.entries()) {
            value = value.add(entry.getValue());
        }
        return value;
    }

    /** Adds {@code amount} (not zero) at {@code replica} and returns the delta. */
    public CausalDecimalCounter add(ReplicaId replica, BigDecimal amount) {
        Checks.notNull(replica, "replica");
        Checks.argument(amount.signum() != 0, "amount", "must not be 0");
        BigDecimal previous = BigDecimal.ZERO;
        Dot previousDot = null;
        for (Map.Entry<Dot, BigDecimal> entry : store.entries()) {
            if (entry.getKey().replica().equals(replica)) {
                previousDot = entry.getKey();
                previous = entry.getValue();
            }
        }
        BigDecimal total = previous.add(amount);
        Dot dot = context.nextDot(replica);
        CausalDecimalCounter delta = new CausalDecimalCounter(new DotFunction<>(), new CausalContext(), true);
        if (previousDot != null) {
            delta.context.add(previousDot);
        }
        delta.context.add(dot);
        delta.store.put(dot, total);
        store.join(delta.store, context, delta.context);
        context.add(dot);
        return delta;
    }

    /** Removes every entry this replica has observed and returns the delta. */
    public CausalDecimalCounter reset() {
        CausalDecimalCounter delta = new CausalDecimalCounter(new DotFunction<>(), new CausalContext(), false);
        store.collectDots(delta.context);
        delta.context.settle();
        store.clear();
        return delta;
    }

    /** For inspection: each replica's surviving running sum. */
    public Map<ReplicaId, BigDecimal> entries() {
        Map<ReplicaId, BigDecimal> result = new LinkedHashMap<>();
        for (Map.Entry<Dot, BigDecimal> entry : store.entries()) {
            result.merge(entry.getKey().replica(), entry.getValue(), BigDecimal::add);
        }
        return result;
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
    public CausalDecimalCounter merge(CausalDecimalCounter other) {
        Checks.notNull(other, "other");
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public void joinStore(CausalDecimalCounter other, CausalContext thisContext, CausalContext otherContext) {
        store.join(other.store, thisContext, otherContext);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        store.collectDots(into);
    }

    @Override
    public CausalDecimalCounter copy() {
        return copyWith(context.copy());
    }

    @Override
    public CausalDecimalCounter copyWith(CausalContext sharedContext) {
        return new CausalDecimalCounter(store.copy(), sharedContext, partial);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalDecimalCounter other && partial == other.partial && store.equals(other.store)
                && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    /** Whether both hold the same entries, whatever their contexts and partial flags (for composite values). */
    public boolean sameEntries(CausalDecimalCounter other) {
        return store.equals(other.store);
    }

    @Override
    public String toString() {
        return (partial ? "CausalDecimalCounter(delta)" : "CausalDecimalCounter") + store + " = " + value();
    }

    /** The codec of a stand-alone decimal counter state or delta. */
    public static StateCodec<CausalDecimalCounter> codec() {
        return CODEC;
    }

    /** The type descriptor for nesting decimal counters in composite values. */
    public static CausalType<CausalDecimalCounter> type() {
        return TYPE;
    }

    private static final CausalType<CausalDecimalCounter> TYPE = new CausalType<>() {
        @Override
        public CrdtType crdtType() {
            return CrdtType.CAUSAL_DECIMAL_COUNTER;
        }

        @Override
        public CausalDecimalCounter empty(CausalContext sharedContext) {
            return new CausalDecimalCounter(new DotFunction<>(), sharedContext, false);
        }

        @Override
        public CausalDecimalCounter emptyDelta(CausalContext sharedContext) {
            return new CausalDecimalCounter(new DotFunction<>(), sharedContext, true);
        }

        @Override
        public void writeStore(ByteWriter out, CausalDecimalCounter counter) {
            counter.store.write(out, counter.context, (o, amount) -> {
                o.writeSignedVarLong(amount.scale());
                o.writeBytes(amount.unscaledValue().toByteArray());
            });
        }

        @Override
        public CausalDecimalCounter readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                throws CodecException {
            DotFunction<BigDecimal> store = DotFunction.read(in, context, i -> {
                int at = i.position();
                long scale = i.readSignedVarLong();
                if (scale < -SCALE_MAX || scale > SCALE_MAX) {
                    throw i.fail("decimal scale " + scale + " is outside [" + -SCALE_MAX + ", " + SCALE_MAX + "]", at);
                }
                byte[] unscaled = i.readBytes(AMOUNT_BYTES_MAX, "decimal amount");
                if (unscaled.length == 0) {
                    throw i.fail("empty decimal amount", at);
                }
                return new BigDecimal(new BigInteger(unscaled), (int) scale);
            }, CodecLimits.REPLICAS_MAX);
            return new CausalDecimalCounter(store, context, partial);
        }
    };

    private static final StateCodec<CausalDecimalCounter> CODEC = CausalCodec.of(TYPE);
}
