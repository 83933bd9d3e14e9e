package io.calmdb.crdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An add-wins observed-remove set without tombstones: the optimized OR-Set of Bieniusa, Zawirski, Preguiça et
 * al. ("An Optimized Conflict-free Replicated Set", 2012) in the delta-state form of Almeida, Shoker and Baquero
 * ("Delta State Replicated Data Types", 2018).
 *
 * <p>Each element carries the dots of the adds that put it there, and a {@link CausalContext} records every dot
 * the replica has seen. Removing an element drops its dots but keeps them in the context, so on merge a dot that
 * one side lacks but the other side's context has seen is known to be removed, while a dot the other side has
 * never seen is a concurrent add and survives. Example: A and B both hold {@code x} with dot {@code a:1}; A
 * removes {@code x} while B concurrently re-adds it with dot {@code b:1}. On merge {@code a:1} is gone (A saw
 * and removed it) but {@code b:1} survives (A never saw it): {@code x} is present. Add wins.
 *
 * <p>Deltas: {@link #add} returns a set holding just the new dot, whose context also covers the element's older
 * dots (which the add replaces); {@link #remove} returns a set with the element listed without dots and a context
 * of the dots it removed. Applying a delta costs time proportional to the delta, not to this set.
 *
 * <p>Memory: elements live in an open-addressing table whose values are dots packed into one {@code long}
 * (a replica index into a small per-set table, and the 48-bit counter), so an element with one dot, the usual
 * case, costs two array slots rather than a map entry and a dot object.
 *
 * <p>Mutable and not thread-safe; confine a set to one thread and hand others a {@link #copy()}.
 *
 * @param <E> the element type; it needs value equality, and a {@link ValueCodec} to be encoded
 */
public final class OrSet<E> implements Crdt<OrSet<E>>, CausalValue<OrSet<E>> {
    // Values of the table: a packed dot (>= 0), or one of these markers.
    private static final long NO_DOTS = -1L;
    private static final long MULTIPLE_DOTS = -2L;
    private static final int REPLICA_SHIFT = 48;
    private static final long COUNTER_MASK = (1L << REPLICA_SHIFT) - 1;
    /** Most distinct replicas whose dots one set can hold: the index must fit in the top 15 bits of a long. */
    static final int REPLICAS_MAX = CodecLimits.REPLICAS_MAX;
    private static final int CAPACITY_MIN = 2;

    private Object[] keys;
    private long[] values;
    // Entries in the table, and how many of them hold no dot (a delta lists the elements it removes that way):
    // both kept exact by every change to the table, so that size and isEmpty never scan it.
    private int size;
    private int dotlessCount;
    private int shift;
    // Elements holding two or more dots (after concurrent adds), with their packed dots sorted.
    private HashMap<Object, long[]> multipleDots;
    // The replicas named by packed dots, in order of first use.
    private ReplicaId[] replicaTable = new ReplicaId[1];
    private int replicaCount;

    private CausalContext context;
    private boolean partial;

    /** An empty set. */
    public OrSet() {
        this(new CausalContext(), false, CAPACITY_MIN);
    }

    private OrSet(CausalContext context, boolean partial, int expectedSize) {
        this.context = context;
        this.partial = partial;
        allocate(capacityFor(expectedSize));
    }

    // ------------------------------------------------------------------------------------------------------
    // Reads

    public boolean contains(E element) {
        int slot = slotOf(element);
        return slot >= 0 && values[slot] != NO_DOTS;
    }

    /** The number of elements present, in constant time. */
    public int size() {
        return size - dotlessCount;
    }

    /** The number of elements present, counted by visiting the table: the oracle tests hold {@link #size} to. */
    int countPresentByScan() {
        int present = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null && values[i] != NO_DOTS) {
                present++;
            }
        }
        return present;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** A snapshot of the elements present, in no particular order. */
    @SuppressWarnings("unchecked")
    public Set<E> elements() {
        Set<E> result = new LinkedHashSet<>(Math.max(16, size * 2));
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null && values[i] != NO_DOTS) {
                result.add((E) keys[i]);
            }
        }
        return Collections.unmodifiableSet(result);
    }

    /** How many random slots {@link #randomElement} tries before it walks from the last one to a member. */
    private static final int RANDOM_SLOT_TRIES_MAX = 64;

    /**
     * A member chosen with {@code random} (uniformly when a tried slot holds one, which is nearly always: the table
     * stays at least a few percent full), or null when the set is empty. Costs a few probes of the table, not a pass
     * over it, so {@code SPOP} and {@code SRANDMEMBER} stay cheap on large sets. The caller supplies the random
     * source, so the core stays deterministic under a seed.
     */
    @SuppressWarnings("unchecked")
    public E randomElement(java.util.random.RandomGenerator random) {
        Checks.notNull(random, "random");
        if (isEmpty()) {
            return null;
        }
        int slot = random.nextInt(keys.length);
        for (int attempt = 0; attempt < RANDOM_SLOT_TRIES_MAX; attempt++) {
            if (keys[slot] != null && values[slot] != NO_DOTS) {
                return (E) keys[slot];
            }
            slot = random.nextInt(keys.length);
        }
        // A very sparse table: walk to the next member (slightly favours members after empty runs).
        for (int step = 0; step < keys.length; step++) {
            int at = (slot + step) % keys.length;
            if (keys[at] != null && values[at] != NO_DOTS) {
                return (E) keys[at];
            }
        }
        throw new IllegalStateException("size() is " + size() + " but no slot holds a member");
    }

    /** For inspection: each element with the dots of the adds that keep it present. */
    @SuppressWarnings("unchecked")
    public Map<E, List<Dot>> dots() {
        Map<E, List<Dot>> result = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                List<Dot> dots = new ArrayList<>();
                for (long packed : dotsAt(i)) {
                    dots.add(unpack(packed));
                }
                result.put((E) keys[i], Collections.unmodifiableList(dots));
            }
        }
        return Collections.unmodifiableMap(result);
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
     * Adds {@code element} at {@code replica} with a fresh dot, replacing the element's older dots, and returns
     * the delta.
     */
    public OrSet<E> add(ReplicaId replica, E element) {
        Checks.notNull(replica, "replica");
        Checks.notNull(element, "element");
        long counter = context.max(replica) + 1;
        if (counter > Dot.COUNTER_MAX) {
            throw new IllegalArgumentException("replica " + replica + " has exhausted its event counter");
        }
        OrSet<E> delta = new OrSet<>(new CausalContext(), true, 1);
        int slot = slotOf(element);
        if (slot >= 0) {
            for (long old : dotsAt(slot)) {
                delta.context.add(replicaTable[(int) (old >>> REPLICA_SHIFT)], old & COUNTER_MASK);
            }
        }
        delta.context.add(replica, counter);
        delta.insert(element, delta.pack(replica, counter));
        long packed = pack(replica, counter);
        if (slot >= 0) {
            setDots(slot, new long[] {packed});
        } else {
            insert(element, packed);
        }
        context.add(replica, counter);
        return delta;
    }

    /**
     * Removes {@code element} (the dots this replica has observed for it) and returns the delta; removing an
     * absent element returns an empty delta.
     */
    public OrSet<E> remove(E element) {
        Checks.notNull(element, "element");
        OrSet<E> delta = new OrSet<>(new CausalContext(), true, 1);
        int slot = slotOf(element);
        if (slot < 0 || values[slot] == NO_DOTS) {
            return delta;
        }
        for (long old : dotsAt(slot)) {
            delta.context.add(unpack(old));
        }
        delta.insert(element, NO_DOTS);
        removeSlot(slot);
        return delta;
    }

    /** Removes every element this replica has observed and returns the delta. */
    public OrSet<E> clear() {
        OrSet<E> delta = new OrSet<>(new CausalContext(), false, 0);
        collectDots(delta.context);
        delta.context.settle();
        Arrays.fill(keys, null);
        size = 0;
        dotlessCount = 0;
        multipleDots = null;
        return delta;
    }

    // ------------------------------------------------------------------------------------------------------
    // Lattice

    @Override
    public OrSet<E> merge(OrSet<E> other) {
        Checks.notNull(other, "other");
        if (other == this) {
            return this;
        }
        joinStore(other, context, other.context);
        context.merge(other.context);
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void joinStore(OrSet<E> other, CausalContext thisContext, CausalContext otherContext) {
        boolean resultPartial = partial && other.partial;
        int[] replicaMap = new int[other.replicaCount];
        for (int r = 0; r < other.replicaCount; r++) {
            replicaMap[r] = intern(other.replicaTable[r]);
        }
        // For each of our replica indexes, where that replica sits in either context (-1: absent).
        int[] inThisContext = new int[replicaCount];
        int[] inOtherContext = new int[replicaCount];
        for (int r = 0; r < replicaCount; r++) {
            inThisContext[r] = thisContext.indexOf(replicaTable[r]);
            inOtherContext[r] = otherContext.indexOf(replicaTable[r]);
        }

        if (!other.partial) {
            // Elements only we hold keep just the dots the other side has never seen.
            List<Object> emptied = null;
            for (int i = 0; i < keys.length; i++) {
                Object key = keys[i];
                if (key == null || other.slotOf(key) >= 0) {
                    continue;
                }
                long[] mine = dotsAt(i);
                long[] kept = filterUnseen(mine, otherContext, inOtherContext);
                if (kept.length != mine.length) {
                    if (kept.length == 0) {
                        if (emptied == null) {
                            emptied = new ArrayList<>();
                        }
                        emptied.add(key);
                    } else {
                        setDots(i, kept);
                    }
                }
            }
            if (emptied != null) {
                for (Object key : emptied) {
                    removeSlot(slotOf(key));
                }
            }
        }

        ensureCapacity(size + other.size);
        Object[] otherKeys = other.keys;
        long[] otherValues = other.values;
        for (int j = 0; j < otherKeys.length; j++) {
            Object key = otherKeys[j];
            if (key == null) {
                continue;
            }
            long otherValue = otherValues[j];
            int slot = slotOf(key);
            if (slot < 0 && otherValue >= 0) {
                // The common case: an element we lack, with a single dot.
                int replica = replicaMap[(int) (otherValue >>> REPLICA_SHIFT)];
                long counter = otherValue & COUNTER_MASK;
                if (!seen(thisContext, inThisContext[replica], counter)) {
                    insertAt(-slot - 1, key, ((long) replica << REPLICA_SHIFT) | counter);
                } else if (resultPartial) {
                    insertAt(-slot - 1, key, NO_DOTS);
                }
                continue;
            }
            long[] theirs = translate(other.dotsAt(j), replicaMap);
            long[] mine = slot >= 0 ? dotsAt(slot) : new long[0];
            long[] joined = joinDots(mine, thisContext, inThisContext, theirs, otherContext, inOtherContext);
            if (slot >= 0) {
                if (joined.length == 0 && !resultPartial) {
                    removeSlot(slot);
                } else {
                    setDots(slot, joined);
                }
            } else if (joined.length > 0 || resultPartial) {
                insert((E) key, NO_DOTS);
                setDots(slotOf(key), joined);
            }
        }

        if (partial && !resultPartial) {
            dropDotlessEntries();
        }
        partial = resultPartial;
    }

    @Override
    public boolean isBottom() {
        return size == 0;
    }

    @Override
    public void collectDots(CausalContext into) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                for (long packed : dotsAt(i)) {
                    into.addUnordered(replicaTable[(int) (packed >>> REPLICA_SHIFT)], packed & COUNTER_MASK);
                }
            }
        }
    }

    @Override
    public OrSet<E> copy() {
        return copyWith(context.copy());
    }

    @Override
    public OrSet<E> copyWith(CausalContext sharedContext) {
        OrSet<E> copy = new OrSet<>(sharedContext, partial, 0);
        copy.keys = keys.clone();
        copy.values = values.clone();
        copy.size = size;
        copy.dotlessCount = dotlessCount;
        copy.shift = shift;
        copy.replicaTable = replicaTable.clone();
        copy.replicaCount = replicaCount;
        if (multipleDots != null) {
            copy.multipleDots = new HashMap<>();
            multipleDots.forEach((key, dots) -> copy.multipleDots.put(key, dots.clone()));
        }
        return copy;
    }

    // ------------------------------------------------------------------------------------------------------
    // Dot arithmetic on packed dots

    private static boolean seen(CausalContext context, int contextIndex, long counter) {
        return contextIndex >= 0 && context.containsAt(contextIndex, counter);
    }

    private static long[] filterUnseen(long[] dots, CausalContext context, int[] contextIndexes) {
        int kept = 0;
        long[] out = new long[dots.length];
        for (long packed : dots) {
            if (!seen(context, contextIndexes[(int) (packed >>> REPLICA_SHIFT)], packed & COUNTER_MASK)) {
                out[kept++] = packed;
            }
        }
        return kept == dots.length ? dots : Arrays.copyOf(out, kept);
    }

    /** (mine ∩ theirs) ∪ (mine not seen by them) ∪ (theirs not seen by us), sorted. */
    private static long[] joinDots(long[] mine, CausalContext thisContext, int[] inThis,
                                   long[] theirs, CausalContext otherContext, int[] inOther) {
        long[] out = new long[mine.length + theirs.length];
        int n = 0;
        for (long dot : mine) {
            if (contains(theirs, dot) || !seen(otherContext, inOther[(int) (dot >>> REPLICA_SHIFT)], dot & COUNTER_MASK)) {
                out[n++] = dot;
            }
        }
        for (long dot : theirs) {
            if (!contains(mine, dot) && !seen(thisContext, inThis[(int) (dot >>> REPLICA_SHIFT)], dot & COUNTER_MASK)) {
                out[n++] = dot;
            }
        }
        long[] result = Arrays.copyOf(out, n);
        Arrays.sort(result);
        return result;
    }

    private static boolean contains(long[] dots, long dot) {
        for (long d : dots) {
            if (d == dot) {
                return true;
            }
        }
        return false;
    }

    private static long[] translate(long[] dots, int[] replicaMap) {
        long[] out = new long[dots.length];
        for (int i = 0; i < dots.length; i++) {
            long packed = dots[i];
            out[i] = ((long) replicaMap[(int) (packed >>> REPLICA_SHIFT)] << REPLICA_SHIFT) | (packed & COUNTER_MASK);
        }
        Arrays.sort(out);
        return out;
    }

    private long pack(ReplicaId replica, long counter) {
        return ((long) intern(replica) << REPLICA_SHIFT) | counter;
    }

    private Dot unpack(long packed) {
        return new Dot(replicaTable[(int) (packed >>> REPLICA_SHIFT)], packed & COUNTER_MASK);
    }

    private int intern(ReplicaId replica) {
        for (int r = 0; r < replicaCount; r++) {
            if (replicaTable[r] == replica) {
                return r;
            }
        }
        for (int r = 0; r < replicaCount; r++) {
            if (replicaTable[r].equals(replica)) {
                return r;
            }
        }
        Checks.argument(replicaCount < REPLICAS_MAX, "replica", "would exceed " + REPLICAS_MAX + " replicas in one set");
        if (replicaCount == replicaTable.length) {
            replicaTable = Arrays.copyOf(replicaTable, replicaCount * 2);
        }
        replicaTable[replicaCount] = replica;
        return replicaCount++;
    }

    // ------------------------------------------------------------------------------------------------------
    // The open-addressing table (linear probing, backward-shift deletion)

    private static int capacityFor(int expectedSize) {
        int capacity = CAPACITY_MIN;
        // Keep the load factor at or below 3/4.
        while (capacity * 3L / 4 < expectedSize) {
            capacity <<= 1;
        }
        return capacity;
    }

    private void allocate(int capacity) {
        keys = new Object[capacity];
        values = new long[capacity];
        shift = 32 - Integer.numberOfTrailingZeros(capacity);
    }

    private int home(Object key) {
        // Fibonacci hashing spreads poor hashCodes over the table's high bits.
        return (key.hashCode() * 0x9E3779B9) >>> shift;
    }

    /** The slot holding {@code key}, or {@code -(insertion slot) - 1} when absent. */
    private int slotOf(Object key) {
        int mask = keys.length - 1;
        int i = home(key) & mask;
        Object k;
        while ((k = keys[i]) != null) {
            if (k == key || k.equals(key)) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -i - 1;
    }

    private void insert(E key, long value) {
        ensureCapacity(size + 1);
        int slot = slotOf(key);
        Checks.state(slot < 0, "insert of an element already present");
        insertAt(-slot - 1, key, value);
    }

    private void insertAt(int slot, Object key, long value) {
        keys[slot] = key;
        values[slot] = value;
        size++;
        if (value == NO_DOTS) {
            dotlessCount++;
        }
    }

    private void ensureCapacity(int wanted) {
        if (wanted * 4L <= keys.length * 3L) {
            return;
        }
        Object[] oldKeys = keys;
        long[] oldValues = values;
        allocate(capacityFor(wanted));
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            Object key = oldKeys[j];
            if (key != null) {
                int i = home(key) & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = key;
                values[i] = oldValues[j];
            }
        }
    }

    private void removeSlot(int slot) {
        Checks.state(slot >= 0, "removal of an absent element");
        if (values[slot] == MULTIPLE_DOTS) {
            multipleDots.remove(keys[slot]);
        } else if (values[slot] == NO_DOTS) {
            dotlessCount--;
        }
        int mask = keys.length - 1;
        int hole = slot;
        keys[hole] = null;
        size--;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            Object key = keys[i];
            if (key == null) {
                return;
            }
            int ideal = home(key) & mask;
            // Move the entry back into the hole unless its ideal slot lies cyclically in (hole, i].
            boolean stays = hole <= i ? (ideal > hole && ideal <= i) : (ideal > hole || ideal <= i);
            if (!stays) {
                keys[hole] = key;
                values[hole] = values[i];
                keys[i] = null;
                hole = i;
            }
        }
    }

    private long[] dotsAt(int slot) {
        long value = values[slot];
        if (value >= 0) {
            return new long[] {value};
        }
        if (value == NO_DOTS) {
            return new long[0];
        }
        return multipleDots.get(keys[slot]);
    }

    private void setDots(int slot, long[] dots) {
        Object key = keys[slot];
        if (values[slot] == MULTIPLE_DOTS && dots.length < 2) {
            multipleDots.remove(key);
        }
        dotlessCount += (dots.length == 0 ? 1 : 0) - (values[slot] == NO_DOTS ? 1 : 0);
        if (dots.length == 0) {
            values[slot] = NO_DOTS;
        } else if (dots.length == 1) {
            values[slot] = dots[0];
        } else {
            if (multipleDots == null) {
                multipleDots = new HashMap<>();
            }
            multipleDots.put(key, dots);
            values[slot] = MULTIPLE_DOTS;
        }
    }

    private void dropDotlessEntries() {
        List<Object> dotless = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null && values[i] == NO_DOTS) {
                dotless.add(keys[i]);
            }
        }
        for (Object key : dotless) {
            removeSlot(slotOf(key));
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Equality and encoding

    /** Sorted (element, sorted dots) pairs: the canonical form used by equals and the encoder. */
    @SuppressWarnings("unchecked")
    private List<Map.Entry<E, Dot[]>> canonicalEntries(java.util.Comparator<? super E> order) {
        List<Map.Entry<E, Dot[]>> entries = new ArrayList<>(size);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                long[] packed = dotsAt(i);
                Dot[] dots = new Dot[packed.length];
                for (int d = 0; d < packed.length; d++) {
                    dots[d] = unpack(packed[d]);
                }
                Arrays.sort(dots);
                entries.add(Map.entry((E) keys[i], dots));
            }
        }
        if (order != null) {
            entries.sort(Map.Entry.comparingByKey(order));
        }
        return entries;
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean equals(Object o) {
        if (!(o instanceof OrSet<?> raw)) {
            return false;
        }
        OrSet<E> other = (OrSet<E>) raw;
        if (other.size != size || other.partial != partial || !context.equals(other.context)) {
            return false;
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                int slot = other.slotOf(keys[i]);
                if (slot < 0) {
                    return false;
                }
                long[] mine = dotsAt(i);
                long[] theirs = other.dotsAt(slot);
                if (mine.length != theirs.length) {
                    return false;
                }
                for (long dot : mine) {
                    boolean found = false;
                    for (long t : theirs) {
                        if (unpack(dot).equals(other.unpack(t))) {
                            found = true;
                            break;
                        }
                    }
                    if (!found) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = context.hashCode();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                hash += keys[i].hashCode();
            }
        }
        return hash;
    }

    @Override
    public String toString() {
        return (partial ? "OrSet(delta)" : "OrSet") + dots() + " context " + context;
    }

    /** The codec for sets whose elements {@code elementCodec} encodes. */
    public static <E> StateCodec<OrSet<E>> codec(ValueCodec<E> elementCodec) {
        Checks.notNull(elementCodec, "elementCodec");
        return CausalCodec.of(type(elementCodec));
    }

    /** The type descriptor for nesting sets inside an {@link OrMap}. */
    public static <E> CausalType<OrSet<E>> type(ValueCodec<E> elementCodec) {
        Checks.notNull(elementCodec, "elementCodec");
        return new CausalType<>() {
            @Override
            public CrdtType crdtType() {
                return CrdtType.OR_SET;
            }

            @Override
            public OrSet<E> empty(CausalContext sharedContext) {
                return new OrSet<>(sharedContext, false, 0);
            }

            @Override
            public OrSet<E> emptyDelta(CausalContext sharedContext) {
                return new OrSet<>(sharedContext, true, 0);
            }

            @Override
            public void writeStore(ByteWriter out, OrSet<E> set) {
                // The context's view of each replica: its index in the encoding and its highest counter, which
                // lets a dot be written as the (usually tiny) distance below that maximum.
                int[] encodedIndex = new int[set.replicaCount];
                long[] maxCounter = new long[set.replicaCount];
                for (int r = 0; r < set.replicaCount; r++) {
                    encodedIndex[r] = set.context.indexOf(set.replicaTable[r]);
                    maxCounter[r] = encodedIndex[r] < 0 ? 0 : set.context.max(set.replicaTable[r]);
                }
                Object[] sortedKeys = new Object[set.size];
                int n = 0;
                for (Object key : set.keys) {
                    if (key != null) {
                        sortedKeys[n++] = key;
                    }
                }
                @SuppressWarnings("unchecked")
                E[] elements = (E[]) sortedKeys;
                Arrays.sort(elements, elementCodec);
                out.writeVarInt(n);
                for (E element : elements) {
                    elementCodec.write(out, element);
                    long[] dots = set.dotsAt(set.slotOf(element));
                    if (dots.length == 1) {
                        // The usual element, one dot: its replica index and a flag share one varint.
                        int replica = (int) (dots[0] >>> REPLICA_SHIFT);
                        Checks.state(encodedIndex[replica] >= 0, "every dot of the store lies in the context");
                        out.writeVarLong((long) encodedIndex[replica] * 2 + 1);
                        out.writeVarLong(maxCounter[replica] - (dots[0] & COUNTER_MASK));
                        continue;
                    }
                    out.writeVarLong((long) dots.length * 2);
                    if (dots.length > 1) {
                        dots = dots.clone();
                        sortByEncodedOrder(dots, encodedIndex);
                    }
                    for (long packed : dots) {
                        int replica = (int) (packed >>> REPLICA_SHIFT);
                        Checks.state(encodedIndex[replica] >= 0, "every dot of the store lies in the context");
                        out.writeVarInt(encodedIndex[replica]);
                        out.writeVarLong(maxCounter[replica] - (packed & COUNTER_MASK));
                    }
                }
            }

            @Override
            public OrSet<E> readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                    throws CodecException {
                int count = in.readCount(CodecLimits.COLLECTION_SIZE_MAX, 3, "set element");
                OrSet<E> set = new OrSet<>(context, partial, count);
                int replicas = context.replicaCount();
                int[] tableIndex = new int[replicas];
                long[] maxCounter = new long[replicas];
                for (int r = 0; r < replicas; r++) {
                    tableIndex[r] = set.intern(context.replicaAt(r));
                    maxCounter[r] = context.max(context.replicaAt(r));
                }
                E previous = null;
                for (int e = 0; e < count; e++) {
                    int at = in.position();
                    E element = elementCodec.read(in);
                    if (previous != null && elementCodec.compare(previous, element) >= 0) {
                        throw in.fail("set elements are not in strictly increasing order", at);
                    }
                    previous = element;
                    long shape = in.readVarLong(0, (long) CodecLimits.REPLICAS_MAX * 2 + 1, "element dots");
                    boolean single = (shape & 1) == 1;
                    int dotCount = single ? 1 : (int) (shape >>> 1);
                    if (!single && dotCount == 1) {
                        throw in.fail("a single dot written in the multi-dot form (not canonical)", at);
                    }
                    if (dotCount == 0 && !partial) {
                        throw in.fail("an element of a complete set has no dots", at);
                    }
                    if ((long) dotCount * 2 > in.remaining() + (single ? 2 : 0)) {
                        throw in.fail("element claims " + dotCount + " dots, more than the bytes remaining", at);
                    }
                    long[] dots = new long[dotCount];
                    int previousReplica = -1;
                    long previousCounter = 0;
                    for (int d = 0; d < dotCount; d++) {
                        int dotAt = in.position();
                        int replica = single ? (int) (shape >>> 1) : (int) in.readVarLong(0, replicas - 1L, "dot replica index");
                        if (replica >= replicas) {
                            throw in.fail("dot replica index " + replica + " is outside the context", dotAt);
                        }
                        long distance = in.readVarLong(0, maxCounter[replica] - 1, "dot counter distance");
                        long counter = maxCounter[replica] - distance;
                        if (!context.containsAt(replica, counter)) {
                            throw in.fail("dot " + context.replicaAt(replica) + ":" + counter + " is not in the context", dotAt);
                        }
                        if (replica < previousReplica || (replica == previousReplica && counter <= previousCounter)) {
                            throw in.fail("an element's dots are not in strictly increasing order", dotAt);
                        }
                        previousReplica = replica;
                        previousCounter = counter;
                        dots[d] = ((long) tableIndex[replica] << REPLICA_SHIFT) | counter;
                    }
                    Arrays.sort(dots);
                    set.insert(element, NO_DOTS);
                    set.setDots(set.slotOf(element), dots);
                }
                return set;
            }
        };
    }

    private static void sortByEncodedOrder(long[] dots, int[] encodedIndex) {
        // Insertion sort: an element holds at most a handful of dots.
        for (int i = 1; i < dots.length; i++) {
            long dot = dots[i];
            int j = i - 1;
            while (j >= 0 && compareEncoded(dots[j], dot, encodedIndex) > 0) {
                dots[j + 1] = dots[j];
                j--;
            }
            dots[j + 1] = dot;
        }
    }

    private static int compareEncoded(long a, long b, int[] encodedIndex) {
        int byReplica = Integer.compare(encodedIndex[(int) (a >>> REPLICA_SHIFT)], encodedIndex[(int) (b >>> REPLICA_SHIFT)]);
        return byReplica != 0 ? byReplica : Long.compare(a & COUNTER_MASK, b & COUNTER_MASK);
    }
}
