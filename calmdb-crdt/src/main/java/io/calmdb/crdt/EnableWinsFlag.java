package io.calmdb.crdt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A boolean flag where a concurrent enable beats a disable (Almeida et al., "Delta State Replicated Data Types",
 * 2018, section 7). Enabling creates a fresh dot; disabling removes the dots the disabler has seen; the flag is
 * on while any dot survives. Example: A disables while B concurrently enables: B's new dot was not seen by A's
 * disable, so after merge the flag is on.
 *
 * <p>Mutable, not thread-safe.
 */
public final class EnableWinsFlag implements Crdt<EnableWinsFlag>, CausalValue<EnableWinsFlag> {
    private final DotFunction<Boolean> store;
    private final CausalContext context;
    private boolean partial;

    public EnableWinsFlag() {
        this(new DotFunction<>(), new CausalContext(), false);
    }

    private EnableWinsFlag(DotFunction<Boolean> store, CausalContext context, boolean partial) {
        this.store = store;
        this.context = context;
        this.partial = partial;
    }

    /** True while any enable survives. */
    public boolean value() {
        return !store.isEmpty();
    }

    /** Turns the flag on at {@code replica} and returns the delta. */
    public EnableWinsFlag enable(ReplicaId replica) {
        Checks.notNull(replica, "replica");
        Dot dot = context.nextDot(replica);
        EnableWinsFlag delta = new EnableWinsFlag(new DotFunction<>(), new CausalContext(), true);
        store.collectDots(delta.context);
        delta.context.settle();
        delta.context.add(dot);
        delta.store.put(dot, Boolean.TRUE);
        store.clear();
        store.put(dot, Boolean.TRUE);
        context.add(dot);
        return delta;
    }

    /** Turns the flag off (removes the enables seen here) and returns the delta. */
    public EnableWinsFlag disable() {
        EnableWinsFlag delta = new EnableWinsFlag(new DotFunction<>(), new CausalContext(), false);
        store.collectDots(delta.context);
        delta.context.settle();
        store.clear();
        return delta;
    }

    /** For inspection: the dots of the enables that keep the flag on. */
    public List<Dot> dots() {
        List<Dot> dots = new ArrayList<>(store.size());
        for (Map.Entry<Dot, Boolean> entry : store.entries()) {
            dots.add(entry.getKey());
        }
        return dots;
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
    public EnableWinsFlag merge(EnableWinsFlag other) {
        Checks.notNull(other, "other");
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public void joinStore(EnableWinsFlag other, CausalContext thisContext, CausalContext otherContext) {
        store.join(other.store, thisContext, otherContext);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        store.collectDots(into);
    }

    @Override
    public EnableWinsFlag copy() {
        return copyWith(context.copy());
    }

    @Override
    public EnableWinsFlag copyWith(CausalContext sharedContext) {
        return new EnableWinsFlag(store.copy(), sharedContext, partial);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnableWinsFlag other && partial == other.partial && store.equals(other.store)
                && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return (partial ? "EnableWinsFlag(delta)" : "EnableWinsFlag") + dots() + " context " + context;
    }

    public static StateCodec<EnableWinsFlag> codec() {
        return CODEC;
    }

    /** The type descriptor for nesting flags inside an {@link OrMap}. */
    public static CausalType<EnableWinsFlag> type() {
        return TYPE;
    }

    private static final CausalType<EnableWinsFlag> TYPE = new CausalType<>() {
        @Override
        public CrdtType crdtType() {
            return CrdtType.ENABLE_WINS_FLAG;
        }

        @Override
        public EnableWinsFlag empty(CausalContext sharedContext) {
            return new EnableWinsFlag(new DotFunction<>(), sharedContext, false);
        }

        @Override
        public EnableWinsFlag emptyDelta(CausalContext sharedContext) {
            return new EnableWinsFlag(new DotFunction<>(), sharedContext, true);
        }

        @Override
        public void writeStore(ByteWriter out, EnableWinsFlag flag) {
            flag.store.write(out, flag.context, (o, ignored) -> { });
        }

        @Override
        public EnableWinsFlag readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                throws CodecException {
            return new EnableWinsFlag(DotFunction.read(in, context, i -> Boolean.TRUE, CodecLimits.REPLICAS_MAX),
                    context, partial);
        }
    };

    private static final StateCodec<EnableWinsFlag> CODEC = CausalCodec.of(TYPE);
}
