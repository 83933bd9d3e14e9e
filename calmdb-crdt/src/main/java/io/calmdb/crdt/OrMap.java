package io.calmdb.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A map from keys to nested causal CRDTs with add-wins keys and observed-remove deletion: the ORMap of Almeida,
 * Shoker and Baquero ("Delta State Replicated Data Types", 2018, section 7.3), a map of dot stores under one
 * causal context shared by every nested value.
 *
 * <p>A key is present while its value holds any dot. Updating a key applies a mutation to its value (creating it
 * if absent); the value's dots come from the map's context. Removing a key removes exactly the dots the remover
 * had observed inside the value, so an update made concurrently elsewhere survives the removal, and the key
 * stays present holding just what the remover had not seen. Example, with {@code OrSet} values: A and B both see
 * {@code cart -> {milk}}; A removes {@code cart} while B adds {@code eggs}. After merge: {@code cart -> {eggs}}.
 *
 * <p>Values may be {@link OrSet}, {@link MvRegister}, {@link EnableWinsFlag}, {@link CausalCounter} or a nested
 * {@code OrMap}; the map is built with the {@link CausalType} of its values, for example
 * {@code new OrMap<String, MvRegister<Bytes>>(MvRegister.type(ValueCodec.BYTES))}.
 *
 * <p>Mutable, not thread-safe. {@link #get} returns the live nested value for reading; change it only through
 * {@link #update}, which is what produces the delta.
 *
 * @param <K> the key type, with value equality
 * @param <V> the nested value type
 */
public final class OrMap<K, V extends Crdt<V>> implements Crdt<OrMap<K, V>>, CausalValue<OrMap<K, V>> {
    private final CausalType<V> valueType;
    private final HashMap<K, V> entries;
    // How many entries hold a non-bottom value, kept exact by every change to the entries so that size, isEmpty
    // and isBottom cost nothing: a write asks whether its key is empty, and a scan would make every write as slow
    // as the map is large. A delta may list bottom entries (the keys it removes), so entries.size() is not it.
    private int presentCount;
    private CausalContext context;
    private boolean partial;

    /** An empty map whose values are of {@code valueType}. */
    public OrMap(CausalType<V> valueType) {
        this(checkedType(valueType), new CausalContext(), false);
    }

    // Checked once, where a caller names the type: the private constructor builds every delta and extract, and
    // building an empty value there just to check its type was a tenth of a busy node's time (seen in a profile).
    private static <V extends Crdt<V>> CausalType<V> checkedType(CausalType<V> valueType) {
        Checks.notNull(valueType, "valueType");
        Checks.argument(valueType.emptyDelta(new CausalContext()) instanceof CausalValue<?>, "valueType",
                "must describe one of CalmDB's causal types (OrSet, MvRegister, EnableWinsFlag, CausalCounter, OrMap)");
        return valueType;
    }

    private OrMap(CausalType<V> valueType, CausalContext context, boolean partial) {
        this.valueType = valueType;
        this.entries = new HashMap<>();
        this.context = context;
        this.partial = partial;
    }

    // ------------------------------------------------------------------------------------------------------
    // Reads

    /** The live value at {@code key}, or null when absent. Read it; do not mutate it directly. */
    public V get(K key) {
        V value = entries.get(key);
        return value == null || causal(value).isBottom() ? null : value;
    }

    public boolean containsKey(K key) {
        return get(key) != null;
    }

    /** The keys present, in no particular order. */
    public Set<K> keys() {
        Set<K> keys = new LinkedHashSet<>();
        entries.forEach((key, value) -> {
            if (!causal(value).isBottom()) {
                keys.add(key);
            }
        });
        return Collections.unmodifiableSet(keys);
    }

    /** The number of keys present, in constant time. */
    public int size() {
        return presentCount;
    }

    /** The number of keys present, counted by visiting every entry: the oracle that tests hold {@link #size} to. */
    int countPresentByScan() {
        int count = 0;
        for (V value : entries.values()) {
            if (!causal(value).isBottom()) {
                count++;
            }
        }
        return count;
    }

    /**
     * Every key this state lists, including keys listed without a value: in a delta, those are the keys it
     * removes. For a complete state this equals {@link #keys()}. A read-only view, not a copy (callers read it once
     * per delta on the write path): do not keep it across changes to this map.
     */
    public Set<K> touchedKeys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    public boolean isEmpty() {
        return presentCount == 0;
    }

    @Override
    public CausalContext context() {
        return context;
    }

    @Override
    public boolean isPartial() {
        return partial;
    }

    // ------------------------------------------------------------------------------------------------------
    // Mutators

    /**
     * Applies {@code mutation} to the value at {@code key} (an empty value when absent) and returns the map's
     * delta. The mutation must call one mutator of the value it is given and return that mutator's delta, for
     * example {@code map.update("cart", set -> set.add(replica, "milk"))}.
     */
    public OrMap<K, V> update(K key, Function<V, V> mutation) {
        Checks.notNull(key, "key");
        Checks.notNull(mutation, "mutation");
        V value = entries.get(key);
        boolean existed = value != null;
        if (!existed) {
            value = valueType.empty(context);
        }
        boolean wasPresent = !causal(value).isBottom();
        V nestedDelta = mutation.apply(value);
        Checks.argument(nestedDelta != null && nestedDelta != value, "mutation",
                "must return the delta of one mutator of the value, not null or the value itself");
        CausalContext deltaContext = causal(nestedDelta).context();
        OrMap<K, V> delta = new OrMap<>(valueType, deltaContext, true);
        delta.entries.put(key, nestedDelta);
        delta.presentCount = causal(nestedDelta).isBottom() ? 0 : 1;
        boolean isPresent = !causal(value).isBottom();
        if (!isPresent) {
            entries.remove(key);
        } else if (!existed) {
            entries.put(key, value);
        }
        presentCount += (isPresent ? 1 : 0) - (wasPresent ? 1 : 0);
        return delta;
    }

    /** Removes {@code key}, meaning every dot observed in its value, and returns the delta. */
    public OrMap<K, V> remove(K key) {
        Checks.notNull(key, "key");
        OrMap<K, V> delta = new OrMap<>(valueType, new CausalContext(), true);
        V value = entries.remove(key);
        if (value != null) {
            if (!causal(value).isBottom()) {
                presentCount--;
            }
            causal(value).collectDots(delta.context);
            delta.context.settle();
            V removal = valueType.empty(delta.context);
            delta.entries.put(key, removal);
            // A value may hold state that no dot names (a bounded counter's rights): the removal leaves it, here as
            // at every replica that joins the delta, so the local entry stays when something survives.
            causal(value).joinStore(removal, context, delta.context);
            if (!causal(value).isBottom()) {
                entries.put(key, value);
                presentCount++;
            }
        }
        return delta;
    }

    /** Removes every key (every observed dot) and returns the delta. */
    public OrMap<K, V> clear() {
        OrMap<K, V> delta = new OrMap<>(valueType, new CausalContext(), false);
        collectDots(delta.context);
        delta.context.settle();
        // As in remove: what no dot names survives the removal, here as at every replica that joins the delta.
        V absent = valueType.empty(delta.context);
        presentCount = 0;
        entries.values().removeIf(value -> {
            causal(value).joinStore(absent, context, delta.context);
            boolean survives = !causal(value).isBottom();
            if (survives) {
                presentCount++;
            }
            return !survives;
        });
        return delta;
    }

    /**
     * A self-contained partial state holding just {@code key}'s value, with a context of exactly the dots that
     * value holds. Merging it anywhere adds what it holds and removes nothing, so it can be stored on its own (a
     * per-key checkpoint) or shipped on its own (a repair of one key). Null when the key is absent.
     */
    public OrMap<K, V> extract(K key) {
        Checks.notNull(key, "key");
        V value = entries.get(key);
        if (value == null || causal(value).isBottom()) {
            return null;
        }
        OrMap<K, V> extracted = new OrMap<>(valueType, new CausalContext(), true);
        causal(value).collectDots(extracted.context);
        extracted.context.settle();
        extracted.entries.put(key, causal(value).copyWith(extracted.context));
        extracted.presentCount = 1;
        return extracted;
    }

    /**
     * The partial state a replica answers a quorum read of {@code key} with: the key's value (listed as removed when
     * absent here), with a context of the dots that value holds plus the dots of {@code askerDots} (the dots the
     * asking replica holds in its value of the key) that this map has seen but no longer holds. Merged at the asker,
     * it adds what this replica holds and removes exactly what this replica removed of the asker's value, and
     * changes no other key: unlike {@link #extract}, which removes nothing, it carries this replica's removals.
     */
    public OrMap<K, V> extractFor(K key, CausalContext askerDots) {
        Checks.notNull(key, "key");
        Checks.notNull(askerDots, "askerDots");
        OrMap<K, V> extracted = new OrMap<>(valueType, new CausalContext(), true);
        V value = entries.get(key);
        boolean present = value != null && !causal(value).isBottom();
        if (present) {
            causal(value).collectDots(extracted.context);
        }
        askerDots.forEachDot(dot -> {
            if (context.contains(dot)) {
                extracted.context.add(dot);
            }
        });
        extracted.context.settle();
        extracted.entries.put(key, present ? causal(value).copyWith(extracted.context)
                : valueType.empty(extracted.context));
        extracted.presentCount = present ? 1 : 0;
        return extracted;
    }

    /**
     * Records {@code seen} as observed without changing any value. A dot that is seen but held by no value counts
     * as removed, so this is only for restoring a context persisted alongside the values it describes, after
     * those values have been restored (recovery from a checkpoint); it is not a merge and not a delta.
     */
    public void restoreContext(CausalContext seen) {
        Checks.notNull(seen, "seen");
        context.merge(seen);
    }

    // ------------------------------------------------------------------------------------------------------
    // Lattice

    @Override
    public OrMap<K, V> merge(OrMap<K, V> other) {
        Checks.notNull(other, "other");
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public void joinStore(OrMap<K, V> other, CausalContext thisContext, CausalContext otherContext) {
        boolean resultPartial = partial && other.partial;
        List<K> emptied = new ArrayList<>();
        if (!other.partial) {
            // A complete other state: a key it lacks has lost whatever of ours its context has seen.
            V absent = valueType.empty(otherContext);
            for (Map.Entry<K, V> entry : entries.entrySet()) {
                if (!other.entries.containsKey(entry.getKey())) {
                    boolean wasPresent = !causal(entry.getValue()).isBottom();
                    causal(entry.getValue()).joinStore(absent, thisContext, otherContext);
                    if (causal(entry.getValue()).isBottom()) {
                        emptied.add(entry.getKey());
                        if (wasPresent) {
                            presentCount--;
                        }
                    } else if (!wasPresent) {
                        presentCount++;
                    }
                }
            }
        }
        for (Map.Entry<K, V> entry : other.entries.entrySet()) {
            K key = entry.getKey();
            V value = entries.get(key);
            if (value == null) {
                // Inside a delta, a key we did not list starts out partial: it knows nothing, so removes nothing.
                value = partial ? valueType.emptyDelta(context) : valueType.empty(context);
                entries.put(key, value);
            }
            boolean wasPresent = !causal(value).isBottom();
            causal(value).joinStore(entry.getValue(), thisContext, otherContext);
            boolean isPresent = !causal(value).isBottom();
            if (!isPresent) {
                emptied.add(key);
            }
            presentCount += (isPresent ? 1 : 0) - (wasPresent ? 1 : 0);
        }
        if (!resultPartial) {
            for (K key : emptied) {
                entries.remove(key);
            }
        }
        partial = resultPartial;
    }

    @Override
    public boolean isBottom() {
        return presentCount == 0 && (!partial || entries.isEmpty());
    }

    @Override
    public void collectDots(CausalContext into) {
        for (V value : entries.values()) {
            causal(value).collectDots(into);
        }
    }

    @Override
    public OrMap<K, V> copy() {
        return copyWith(context.copy());
    }

    @Override
    public OrMap<K, V> copyWith(CausalContext sharedContext) {
        OrMap<K, V> copy = new OrMap<>(valueType, sharedContext, partial);
        entries.forEach((key, value) -> copy.entries.put(key, causal(value).copyWith(sharedContext)));
        copy.presentCount = presentCount;
        return copy;
    }

    /** The nested value seen through the package-private causal contract; the constructor checked it applies. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <V> CausalOps<V> causal(V value) {
        return new CausalOps<>((CausalValue) value);
    }

    /** A typed view of a nested value's causal operations (the interface's self type cannot name V here). */
    private record CausalOps<V>(CausalValue<?> value) {
        boolean isBottom() {
            return value.isBottom();
        }

        boolean isPartial() {
            return value.isPartial();
        }

        CausalContext context() {
            return value.context();
        }

        void collectDots(CausalContext into) {
            value.collectDots(into);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        void joinStore(V other, CausalContext thisContext, CausalContext otherContext) {
            ((CausalValue) value).joinStore((CausalValue) other, thisContext, otherContext);
        }

        @SuppressWarnings("unchecked")
        V copyWith(CausalContext sharedContext) {
            return (V) value.copyWith(sharedContext);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Equality and encoding

    @Override
    public boolean equals(Object o) {
        return o instanceof OrMap<?, ?> other && partial == other.partial && context.equals(other.context)
                && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return 31 * context.hashCode() + entries.keySet().hashCode();
    }

    @Override
    public String toString() {
        return (partial ? "OrMap(delta)" : "OrMap") + entries + " context " + context;
    }

    /** The codec for maps with keys encoded by {@code keyCodec} and values of {@code valueType}. */
    public static <K, V extends Crdt<V>> StateCodec<OrMap<K, V>> codec(ValueCodec<K> keyCodec, CausalType<V> valueType) {
        CausalType<OrMap<K, V>> type = type(keyCodec, valueType);
        return new StateCodec<>() {
            @Override
            public CrdtType type() {
                return CrdtType.OR_MAP;
            }

            @Override
            public void write(ByteWriter out, OrMap<K, V> state) {
                CausalEncoding.writeHeader(out, state.partial, state.context);
                type.writeStore(out, state);
            }

            @Override
            public OrMap<K, V> read(ByteReader in) throws CodecException {
                CausalEncoding.Header header = CausalEncoding.readHeader(in);
                return type.readStore(in, header.context(), header.partial(), 0);
            }
        };
    }

    /** The type descriptor for nesting maps inside maps. */
    public static <K, V extends Crdt<V>> CausalType<OrMap<K, V>> type(ValueCodec<K> keyCodec, CausalType<V> valueType) {
        Checks.notNull(keyCodec, "keyCodec");
        checkedType(valueType);
        return new CausalType<>() {
            @Override
            public CrdtType crdtType() {
                return CrdtType.OR_MAP;
            }

            @Override
            public OrMap<K, V> empty(CausalContext sharedContext) {
                return new OrMap<>(valueType, sharedContext, false);
            }

            @Override
            public OrMap<K, V> emptyDelta(CausalContext sharedContext) {
                return new OrMap<>(valueType, sharedContext, true);
            }

            @Override
            public void writeStore(ByteWriter out, OrMap<K, V> map) {
                List<K> keys = new ArrayList<>(map.entries.keySet());
                keys.sort(keyCodec);
                out.writeVarInt(keys.size());
                for (K key : keys) {
                    V value = map.entries.get(key);
                    keyCodec.write(out, key);
                    out.writeByte(causal(value).isPartial() ? 1 : 0);
                    valueType.writeStore(out, value);
                }
            }

            @Override
            public OrMap<K, V> readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                    throws CodecException {
                if (depth >= CodecLimits.NESTING_DEPTH_MAX) {
                    throw in.fail("maps nest deeper than " + CodecLimits.NESTING_DEPTH_MAX);
                }
                OrMap<K, V> map = new OrMap<>(valueType, context, partial);
                int count = in.readCount(CodecLimits.COLLECTION_SIZE_MAX, 3, "map entry");
                K previous = null;
                for (int i = 0; i < count; i++) {
                    int at = in.position();
                    K key = keyCodec.read(in);
                    if (previous != null && keyCodec.compare(previous, key) >= 0) {
                        throw in.fail("map keys are not in strictly increasing order", at);
                    }
                    previous = key;
                    int flag = in.readByte();
                    if (flag > 1) {
                        throw in.fail("invalid nested partial flag " + flag, at);
                    }
                    V value = valueType.readStore(in, context, flag == 1, depth + 1);
                    if (causal(value).isBottom() && !partial) {
                        throw in.fail("a complete map holds an empty value", at);
                    }
                    map.entries.put(key, value);
                    if (!causal(value).isBottom()) {
                        map.presentCount++;
                    }
                }
                return map;
            }
        };
    }
}
