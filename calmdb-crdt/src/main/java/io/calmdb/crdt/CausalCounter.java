package io.calmdb.crdt;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PN-counter built as a causal dot store, so that it can be reset by observed removal and nested in an
 * {@link OrMap} (like Riak's embedded counter, {@code riak_dt_emcntr}). Each replica keeps one entry: the dot of
 * its latest update and its running totals of increments and decrements. An update replaces the replica's entry
 * with a fresh dot; a reset removes the entries it has observed.
 *
 * <p>Semantics of a reset concurrent with an update: the updating replica's entry was not observed by the
 * reset, so it survives, and it carries that replica's running totals, including amounts the resetter had
 * seen. Replicas that did not update concurrently lose their contributions. Example: A has counted 3 and B 4
 * (value 7, seen by everyone); A resets while B increments by 1: the result is B's entry alone, value 5.
 *
 * <p>Arithmetic wraps modulo 2^64. A replica's totals are running sums that only grow, so a counter kept near the
 * top of the 64-bit range by alternating increments and decrements ({@code +MAX, -1, +1}) would overflow them
 * although its value never leaves the range; each total is therefore an unsigned 64-bit sum modulo 2^64, and
 * {@link #value()} is the net modulo 2^64 read as a signed 64-bit number. That is exact whenever the true net lies
 * in the signed range. Keeping it there is the writer's job: before an update it checks the value it reads plus its
 * amount with exact arithmetic (as {@code INCRBY} does). Increments made concurrently in two replicas can still push
 * the joined net out of range, which no replica could have refused without coordination; the value then wraps
 * (two's complement) the same way at every replica, so replicas still agree.
 *
 * <p>Mutable, not thread-safe.
 */
public final class CausalCounter implements Crdt<CausalCounter>, CausalValue<CausalCounter> {
    /** One replica's running totals, each an unsigned 64-bit sum modulo 2^64 (see the class comment). */
    public record Totals(long increments, long decrements) {}

    private final DotFunction<Totals> store;
    private final CausalContext context;
    private boolean partial;

    public CausalCounter() {
        this(new DotFunction<>(), new CausalContext(), false);
    }

    private CausalCounter(DotFunction<Totals> store, CausalContext context, boolean partial) {
        this.store = store;
        this.context = context;
        this.partial = partial;
    }

    /**
     * The sum of increments minus the sum of decrements over the surviving entries, modulo 2^64 as a signed value:
     * exact whenever the true net is in the signed 64-bit range (see the class comment). Never throws.
     */
    public long value() {
        long value = 0;
        for (Map.Entry<Dot, Totals> entry : store.entries()) {
            value += entry.getValue().increments() - entry.getValue().decrements();
        }
        return value;
    }

    /**
     * Adds {@code amount} at {@code replica} and returns the delta. The amount is an unsigned 64-bit number, not 0:
     * callers pass a positive long, or {@code Long.MIN_VALUE} meaning 2^63.
     */
    public CausalCounter increment(ReplicaId replica, long amount) {
        Checks.argument(amount != 0, "amount", "must not be 0, got ", amount);
        return update(replica, amount, 0);
    }

    /**
     * Subtracts {@code amount} at {@code replica} and returns the delta; the amount is unsigned and not 0, as for
     * {@link #increment}.
     */
    public CausalCounter decrement(ReplicaId replica, long amount) {
        Checks.argument(amount != 0, "amount", "must not be 0, got ", amount);
        return update(replica, 0, amount);
    }

    /** Removes every entry this replica has observed (the value drops to 0 here) and returns the delta. */
    public CausalCounter reset() {
        CausalCounter delta = new CausalCounter(new DotFunction<>(), new CausalContext(), false);
        store.collectDots(delta.context);
        delta.context.settle();
        store.clear();
        return delta;
    }

    private CausalCounter update(ReplicaId replica, long increments, long decrements) {
        Checks.notNull(replica, "replica");
        Totals previous = new Totals(0, 0);
        Dot previousDot = null;
        for (Map.Entry<Dot, Totals> entry : store.entries()) {
            if (entry.getKey().replica().equals(replica)) {
                previousDot = entry.getKey();
                previous = entry.getValue();
            }
        }
        // Wrapping on purpose: the totals are sums modulo 2^64 (see the class comment).
        Totals totals = new Totals(previous.increments() + increments, previous.decrements() + decrements);
        Dot dot = context.nextDot(replica);
        CausalCounter delta = new CausalCounter(new DotFunction<>(), new CausalContext(), true);
        if (previousDot != null) {
            delta.context.add(previousDot);
        }
        delta.context.add(dot);
        delta.store.put(dot, totals);
        // Replace our own entry: join with the delta drops the old dot, which the delta's context covers.
        store.join(delta.store, context, delta.context);
        context.add(dot);
        return delta;
    }

    /** For inspection: each replica's surviving running totals. */
    public Map<ReplicaId, Totals> entries() {
        Map<ReplicaId, Totals> result = new LinkedHashMap<>();
        for (Map.Entry<Dot, Totals> entry : store.entries()) {
            result.merge(entry.getKey().replica(), entry.getValue(),
                    (a, b) -> new Totals(a.increments() + b.increments(), a.decrements() + b.decrements())); // wrapping
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
    public CausalCounter merge(CausalCounter other) {
        Checks.notNull(other, "other");
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public void joinStore(CausalCounter other, CausalContext thisContext, CausalContext otherContext) {
        store.join(other.store, thisContext, otherContext);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        store.collectDots(into);
    }

    @Override
    public CausalCounter copy() {
        return copyWith(context.copy());
    }

    @Override
    public CausalCounter copyWith(CausalContext sharedContext) {
        return new CausalCounter(store.copy(), sharedContext, partial);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalCounter other && partial == other.partial && store.equals(other.store)
                && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return (partial ? "CausalCounter(delta)" : "CausalCounter") + store + " = " + value();
    }

    public static StateCodec<CausalCounter> codec() {
        return CODEC;
    }

    /** The type descriptor for nesting counters inside an {@link OrMap}. */
    public static CausalType<CausalCounter> type() {
        return TYPE;
    }

    private static final CausalType<CausalCounter> TYPE = new CausalType<>() {
        @Override
        public CrdtType crdtType() {
            return CrdtType.CAUSAL_COUNTER;
        }

        @Override
        public CausalCounter empty(CausalContext sharedContext) {
            return new CausalCounter(new DotFunction<>(), sharedContext, false);
        }

        @Override
        public CausalCounter emptyDelta(CausalContext sharedContext) {
            return new CausalCounter(new DotFunction<>(), sharedContext, true);
        }

        @Override
        public void writeStore(ByteWriter out, CausalCounter counter) {
            counter.store.write(out, counter.context, (o, totals) -> {
                o.writeVarLong(totals.increments());
                o.writeVarLong(totals.decrements());
            });
        }

        @Override
        public CausalCounter readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                throws CodecException {
            // Totals are unsigned 64-bit sums; every encoding older code wrote (totals up to 2^63 - 1) reads the same.
            DotFunction<Totals> store = DotFunction.read(in, context, i -> new Totals(i.readVarLong(), i.readVarLong()),
                    CodecLimits.REPLICAS_MAX);
            return new CausalCounter(store, context, partial);
        }
    };

    private static final StateCodec<CausalCounter> CODEC = CausalCodec.of(TYPE);
}
