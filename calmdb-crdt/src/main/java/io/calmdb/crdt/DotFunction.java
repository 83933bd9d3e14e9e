package io.calmdb.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A small dot store mapping dots to immutable payloads, sorted by dot: the "DotFun" of Almeida et al. It backs
 * the causal types whose stores hold a handful of entries (registers, flags, counters), where a sorted list beats
 * any hash table. A payload never changes once its dot is created, so joining two stores only decides which
 * dots survive.
 */
final class DotFunction<P> {
    private final List<Map.Entry<Dot, P>> entries;

    DotFunction() {
        this.entries = new ArrayList<>(2);
    }

    private DotFunction(List<Map.Entry<Dot, P>> entries) {
        this.entries = entries;
    }

    List<Map.Entry<Dot, P>> entries() {
        return Collections.unmodifiableList(entries);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    void put(Dot dot, P payload) {
        int at = indexOf(dot);
        Checks.state(at < 0, "a dot is created once");
        entries.add(-at - 1, Map.entry(dot, payload));
    }

    void clear() {
        entries.clear();
    }

    /** Adds every dot to {@code into} unsettled (see {@link CausalContext#addUnordered}); the caller settles it. */
    void collectDots(CausalContext into) {
        for (Map.Entry<Dot, P> entry : entries) {
            into.addUnordered(entry.getKey().replica(), entry.getKey().counter());
        }
    }

    /** Keeps dots both hold, ours the other has not seen, and theirs we have not seen. */
    void join(DotFunction<P> other, CausalContext thisContext, CausalContext otherContext) {
        List<Map.Entry<Dot, P>> joined = new ArrayList<>(entries.size() + other.entries.size());
        int i = 0, j = 0;
        while (i < entries.size() || j < other.entries.size()) {
            Map.Entry<Dot, P> mine = i < entries.size() ? entries.get(i) : null;
            Map.Entry<Dot, P> theirs = j < other.entries.size() ? other.entries.get(j) : null;
            int cmp = mine == null ? 1 : theirs == null ? -1 : mine.getKey().compareTo(theirs.getKey());
            if (cmp == 0) {
                if (!mine.getValue().equals(theirs.getValue())) {
                    // Only built on failure: this runs for every shared dot of every join.
                    Checks.state(false, "one dot carries one payload: " + mine.getKey());
                }
                joined.add(mine);
                i++;
                j++;
            } else if (cmp < 0) {
                if (!otherContext.contains(mine.getKey())) {
                    joined.add(mine);
                }
                i++;
            } else {
                if (!thisContext.contains(theirs.getKey())) {
                    joined.add(theirs);
                }
                j++;
            }
        }
        entries.clear();
        entries.addAll(joined);
    }

    DotFunction<P> copy() {
        return new DotFunction<>(new ArrayList<>(entries));
    }

    private int indexOf(Dot dot) {
        int low = 0, high = entries.size() - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int cmp = entries.get(mid).getKey().compareTo(dot);
            if (cmp < 0) {
                low = mid + 1;
            } else if (cmp > 0) {
                high = mid - 1;
            } else {
                return mid;
            }
        }
        return -low - 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DotFunction<?> other && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.toString();
    }

    // --- encoding: dots relative to the context, as the OR-Set writes them ---

    interface PayloadWriter<P> {
        void write(ByteWriter out, P payload);
    }

    interface PayloadReader<P> {
        P read(ByteReader in) throws CodecException;
    }

    void write(ByteWriter out, CausalContext context, PayloadWriter<P> payloads) {
        out.writeVarInt(entries.size());
        for (Map.Entry<Dot, P> entry : entries) {
            Dot dot = entry.getKey();
            int replica = context.indexOf(dot.replica());
            Checks.state(replica >= 0, "every dot of the store lies in the context");
            out.writeVarInt(replica);
            out.writeVarLong(context.max(dot.replica()) - dot.counter());
            payloads.write(out, entry.getValue());
        }
    }

    static <P> DotFunction<P> read(ByteReader in, CausalContext context, PayloadReader<P> payloads, int entriesMax)
            throws CodecException {
        int count = in.readCount(entriesMax, 2, "dot entry");
        DotFunction<P> store = new DotFunction<>();
        Dot previous = null;
        for (int i = 0; i < count; i++) {
            int at = in.position();
            int replicas = context.replicaCount();
            if (replicas == 0) {
                throw in.fail("a dot entry with an empty context", at);
            }
            int replica = (int) in.readVarLong(0, replicas - 1L, "dot replica index");
            ReplicaId id = context.replicaAt(replica);
            long max = context.max(id);
            long counter = max - in.readVarLong(0, max - 1, "dot counter distance");
            Dot dot = new Dot(id, counter);
            if (!context.contains(dot)) {
                throw in.fail("dot " + dot + " is not in the context", at);
            }
            if (previous != null && dot.compareTo(previous) <= 0) {
                throw in.fail("dot entries are not in strictly increasing order", at);
            }
            previous = dot;
            store.entries.add(Map.entry(dot, payloads.read(in)));
        }
        return store;
    }
}
