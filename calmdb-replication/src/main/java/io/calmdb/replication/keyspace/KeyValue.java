package io.calmdb.replication.keyspace;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CausalType;
import io.calmdb.crdt.CausalValue;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.CrdtType;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.MvRegister;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.ValueCodec;

/**
 * Everything one key holds: a slot per Redis type (a {@link StringValue}, an {@link OrSet} of members, an
 * {@link OrMap} of hash fields) and a small register naming the key's kind, all sharing the keyspace's causal
 * context, so {@code DEL} removes exactly what the deleter observed in every slot.
 *
 * <p>Normally one slot is in use. Two replicas can still create the same key concurrently with different types
 * (a {@code SET} in Tokyo while Frankfurt runs {@code SADD}); both slots then survive the merge and the kind
 * register holds both creations. The visible kind is the one whose creation has the greatest hybrid-logical
 * timestamp (then replica id) among slots still holding data; when the kind register is empty (a concurrent
 * {@code DEL} removed the creation it saw) the first non-empty slot in the order string, hash, set is visible.
 * The losing slot stays hidden until a {@code SET} or {@code DEL} that observed it clears it.
 *
 * <p>The key's expiry is one more slot, a multi-value register of deadlines (milliseconds since the epoch) or of
 * {@link #NO_DEADLINE} for {@code PERSIST}, sharing the same context: a sequential {@code EXPIRE} replaces the
 * deadline it observed, {@code DEL} and {@code SET} (without {@code KEEPTTL}) clear it, and when concurrent
 * writes survive the resolved deadline is the latest one, with {@code PERSIST} beating every deadline, as Redis
 * Active-Active resolves concurrent {@code EXPIRE} and {@code PERSIST}.
 */
public final class KeyValue implements Crdt<KeyValue>, CausalValue<KeyValue> {
    private static final CausalType<MvRegister<Long>> KIND = MvRegister.type(ValueCodec.LONG);
    private static final CausalType<StringValue> STRING = StringValue.type();
    private static final CausalType<OrSet<Bytes>> SET = OrSet.type(ValueCodec.BYTES);
    private static final CausalType<OrMap<Bytes, StringValue>> HASH = OrMap.type(ValueCodec.BYTES, StringValue.type());
    private static final CausalType<MvRegister<Long>> EXPIRY = MvRegister.type(ValueCodec.LONG);

    /** The value a {@code PERSIST} writes into the expiry register: no deadline, winning over concurrent ones. */
    public static final long NO_DEADLINE = -1;

    private final MvRegister<Long> kind;
    private final StringValue string;
    private final OrSet<Bytes> set;
    private final OrMap<Bytes, StringValue> hash;
    private final MvRegister<Long> expiry;
    private final CausalContext context;
    private boolean partial;
    /** Bounded counter or ID namespace state (issue 8): dot-free, joined by maximum, untouched by removals. */
    private final CoordinationSlot coordination;

    private KeyValue(MvRegister<Long> kind, StringValue string, OrSet<Bytes> set, OrMap<Bytes, StringValue> hash,
                     MvRegister<Long> expiry, CausalContext context, boolean partial) {
        this(kind, string, set, hash, expiry, context, partial, CoordinationSlot.empty());
    }

    private KeyValue(MvRegister<Long> kind, StringValue string, OrSet<Bytes> set, OrMap<Bytes, StringValue> hash,
                     MvRegister<Long> expiry, CausalContext context, boolean partial, CoordinationSlot coordination) {
        this.kind = kind;
        this.string = string;
        this.set = set;
        this.hash = hash;
        this.expiry = expiry;
        this.context = context;
        this.partial = partial;
        this.coordination = coordination;
    }

    static KeyValue empty(CausalContext context) {
        return new KeyValue(KIND.empty(context), STRING.empty(context), SET.empty(context), HASH.empty(context),
                EXPIRY.empty(context), context, false);
    }

    /** The coordination slot (bounded counter, ID marks), changed in place by the keyspace's coordination writes. */
    CoordinationSlot coordination() {
        return coordination;
    }

    /**
     * The resolved deadline in milliseconds since the epoch, or null when the key does not expire: no expiry write
     * survives, or a surviving {@code PERSIST} beats the concurrent deadlines. Among concurrent deadlines the latest
     * wins (the longer time to live).
     */
    public Long deadline() {
        Long latest = null;
        for (var write : expiry.writes()) {
            long value = write.getValue().value();
            if (value == NO_DEADLINE) {
                return null;
            }
            if (latest == null || value > latest) {
                latest = value;
            }
        }
        return latest;
    }

    /** Whether the key's resolved deadline has passed at {@code nowMillis} (Redis: expired once now > deadline). */
    public boolean expiredAt(long nowMillis) {
        Long deadline = deadline();
        return deadline != null && nowMillis > deadline;
    }

    /** For inspection: the expiry register (several writes after concurrent EXPIRE or PERSIST). */
    public MvRegister<Long> expiryRegister() {
        return expiry;
    }

    /** The kind readers see, or null when the key holds no data. */
    public Kind kind() {
        Kind newest = null;
        HlcTimestamp newestTime = null;
        String newestReplica = null;
        for (var write : kind.writes()) {
            Kind candidate = Kind.ofCode(write.getValue().value());
            if (candidate == null || slotIsEmpty(candidate)) {
                continue;
            }
            HlcTimestamp time = write.getValue().timestamp();
            String replica = write.getKey().replica().name();
            if (newest == null || time.compareTo(newestTime) > 0
                    || (time.compareTo(newestTime) == 0 && replica.compareTo(newestReplica) > 0)) {
                newest = candidate;
                newestTime = time;
                newestReplica = replica;
            }
        }
        if (newest != null) {
            return newest;
        }
        for (Kind candidate : new Kind[] {Kind.STRING, Kind.HASH, Kind.SET, Kind.BOUNDED_COUNTER, Kind.ID_NAMESPACE}) {
            if (!slotIsEmpty(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private boolean slotIsEmpty(Kind candidate) {
        return switch (candidate) {
            case STRING -> string.isBottom();
            case SET -> set.isEmpty();
            case HASH -> hash.isEmpty();
            case BOUNDED_COUNTER -> !coordination.isBounded();
            case ID_NAMESPACE -> !coordination.hasMarks();
        };
    }

    /** For reading: the string slot. */
    public StringValue string() {
        return string;
    }

    /** For reading: the set slot. */
    public OrSet<Bytes> set() {
        return set;
    }

    /** For reading: the hash slot. */
    public OrMap<Bytes, StringValue> hash() {
        return hash;
    }

    /** For inspection: the kind register (several writes after a concurrent creation with different types). */
    public MvRegister<Long> kindRegister() {
        return kind;
    }

    // ------------------------------------------------------------------------------------------------------
    // Mutations. Each returns a delta of this key; the nested deltas are gathered under one fresh context.

    /**
     * Gathers one key's delta from nested deltas, each of which arrives with its own fresh context. A slot no
     * nested delta touched stays a partial empty value, so applying the delta leaves that slot alone.
     */
    static final class DeltaBuilder {
        private final CausalContext context = new CausalContext();
        private final KeyValue delta = new KeyValue(KIND.emptyDelta(context), STRING.emptyDelta(context),
                SET.emptyDelta(context), HASH.emptyDelta(context), EXPIRY.emptyDelta(context), context, true);

        DeltaBuilder kind(MvRegister<Long> kindDelta) {
            delta.kind.joinStore(kindDelta, context, kindDelta.context());
            context.merge(kindDelta.context());
            return this;
        }

        DeltaBuilder string(StringValue stringDelta) {
            delta.string.joinStore(stringDelta, context, stringDelta.context());
            context.merge(stringDelta.context());
            return this;
        }

        DeltaBuilder set(OrSet<Bytes> setDelta) {
            delta.set.joinStore(setDelta, context, setDelta.context());
            context.merge(setDelta.context());
            return this;
        }

        DeltaBuilder hash(OrMap<Bytes, StringValue> hashDelta) {
            delta.hash.joinStore(hashDelta, context, hashDelta.context());
            context.merge(hashDelta.context());
            return this;
        }

        DeltaBuilder coordination(CoordinationSlot coordinationDelta) {
            delta.coordination.join(coordinationDelta);
            return this;
        }

        DeltaBuilder expiry(MvRegister<Long> expiryDelta) {
            delta.expiry.joinStore(expiryDelta, context, expiryDelta.context());
            context.merge(expiryDelta.context());
            return this;
        }

        KeyValue build() {
            return delta;
        }
    }

    MvRegister<Long> kindSlot() {
        return kind;
    }

    MvRegister<Long> expirySlot() {
        return expiry;
    }

    /**
     * Clears every slot, the expiry included (what this replica observed), and returns the removal deltas gathered
     * in {@code builder}.
     */
    void clearInto(DeltaBuilder builder) {
        clearDataInto(builder);
        builder.expiry(expiry.clear());
    }

    /** Clears every slot but the expiry ({@code SET ... KEEPTTL}); the removal deltas go to {@code builder}. */
    void clearDataInto(DeltaBuilder builder) {
        builder.kind(kind.clear());
        builder.string(string.clearAll());
        builder.set(set.clear());
        builder.hash(hash.clear());
    }

    /** Whether the key holds data in any typed slot (the kind and expiry registers do not count). */
    boolean holdsData() {
        return !string.isBottom() || !set.isEmpty() || !hash.isEmpty() || !coordination.isEmpty();
    }

    // ------------------------------------------------------------------------------------------------------
    // Lattice plumbing

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
        return kind.isBottom() && string.isBottom() && set.isBottom() && hash.isBottom() && expiry.isBottom()
                && coordination.isEmpty();
    }

    @Override
    public void joinStore(KeyValue other, CausalContext thisContext, CausalContext otherContext) {
        kind.joinStore(other.kind, thisContext, otherContext);
        string.joinStore(other.string, thisContext, otherContext);
        set.joinStore(other.set, thisContext, otherContext);
        hash.joinStore(other.hash, thisContext, otherContext);
        expiry.joinStore(other.expiry, thisContext, otherContext);
        coordination.join(other.coordination);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        kind.collectDots(into);
        string.collectDots(into);
        set.collectDots(into);
        hash.collectDots(into);
        expiry.collectDots(into);
    }

    @Override
    public KeyValue copyWith(CausalContext sharedContext) {
        return new KeyValue(kind.copyWith(sharedContext), string.copyWith(sharedContext), set.copyWith(sharedContext),
                hash.copyWith(sharedContext), expiry.copyWith(sharedContext), sharedContext, partial, coordination.copy());
    }

    @Override
    public KeyValue merge(KeyValue other) {
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public KeyValue copy() {
        return copyWith(context.copy());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue other && partial == other.partial && kind.equals(other.kind)
                && string.equals(other.string) && set.equals(other.set) && hash.equals(other.hash)
                && expiry.equals(other.expiry) && coordination.equals(other.coordination);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + string.hashCode();
    }

    @Override
    public String toString() {
        Kind visible = kind();
        return "KeyValue(" + (visible == null ? "empty" : visible.redisName()) + ")";
    }

    /** The type descriptor of a key's value inside the keyspace map. */
    public static CausalType<KeyValue> type() {
        return TYPE;
    }

    private static final CausalType<KeyValue> TYPE = new CausalType<>() {
        @Override
        public CrdtType crdtType() {
            return CrdtType.KEYSPACE_VALUE;
        }

        @Override
        public KeyValue empty(CausalContext sharedContext) {
            return KeyValue.empty(sharedContext);
        }

        @Override
        public KeyValue emptyDelta(CausalContext sharedContext) {
            return new KeyValue(KIND.emptyDelta(sharedContext), STRING.emptyDelta(sharedContext),
                    SET.emptyDelta(sharedContext), HASH.emptyDelta(sharedContext), EXPIRY.emptyDelta(sharedContext),
                    sharedContext, true);
        }

        @Override
        public void writeStore(ByteWriter out, KeyValue value) {
            Composite.writeNested(out, KIND, value.kind);
            Composite.writeNested(out, STRING, value.string);
            Composite.writeNested(out, SET, value.set);
            Composite.writeNested(out, HASH, value.hash);
            // The expiry's flag byte also announces the coordination slot (bits CoordinationSlot.BOUNDED_FOLLOWS and
            // MARKS_FOLLOW), which follows the expiry: a key without one encodes exactly as before the slot existed.
            out.writeByte((value.expiry.isPartial() ? 1 : 0) | value.coordination.flags());
            EXPIRY.writeStore(out, value.expiry);
            value.coordination.write(out);
        }

        @Override
        public KeyValue readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                throws CodecException {
            MvRegister<Long> kind = Composite.readNested(in, KIND, context, depth);
            StringValue string = Composite.readNested(in, STRING, context, depth);
            OrSet<Bytes> set = Composite.readNested(in, SET, context, depth);
            OrMap<Bytes, StringValue> hash = Composite.readNested(in, HASH, context, depth);
            int flagAt = in.position();
            int expiryFlags = in.readByte();
            if ((expiryFlags & ~(1 | CoordinationSlot.BOUNDED_FOLLOWS | CoordinationSlot.MARKS_FOLLOW)) != 0) {
                throw in.fail("invalid expiry flag " + expiryFlags, flagAt);
            }
            MvRegister<Long> expiry = EXPIRY.readStore(in, context, (expiryFlags & 1) == 1, depth + 1);
            CoordinationSlot coordination = CoordinationSlot.read(in, expiryFlags);
            for (var write : expiry.writes()) {
                long deadline = write.getValue().value();
                if (deadline < 0 && deadline != NO_DEADLINE) {
                    throw in.fail("invalid expiry deadline " + deadline, in.position());
                }
            }
            return new KeyValue(kind, string, set, hash, expiry, context, partial, coordination);
        }
    };
}
