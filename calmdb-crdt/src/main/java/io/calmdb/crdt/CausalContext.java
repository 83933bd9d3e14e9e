package io.calmdb.crdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The set of dots a causal CRDT state has seen, stored compactly as a version vector (every dot of a replica up
 * to its entry) plus a "cloud" of dots seen out of order. Adding a dot that closes a gap folds the contiguous
 * run of cloud dots into the vector, so a replica that has seen everything from a peer costs one number.
 *
 * <p>This is the causal context of Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (2018):
 * together with a dot store it lets a removal be expressed as "these dots were seen and are gone" instead of
 * by a tombstone per element. Example: after seeing {@code a:1, a:2, a:4} the context holds vector
 * {@code [a:2]} and cloud {@code {a:4}}; adding {@code a:3} compacts it to {@code [a:4]} with an empty cloud.
 *
 * <p>Mutable and not thread-safe: a context belongs to one CRDT state, which is confined to one thread.
 */
public final class CausalContext {
    private static final ReplicaId[] NO_REPLICAS = new ReplicaId[0];
    private static final long[] NO_COUNTERS = new long[0];
    private static final long[][] NO_CLOUDS = new long[0][];
    private static final int[] NO_SIZES = new int[0];
    private static final int PENDING_CAPACITY_MIN = 8;

    // Sorted by replica id. bases[i] is the contiguous maximum for replicas[i]; clouds[i] is a sorted array of
    // counters > bases[i] + 1 (null when empty), never containing bases[i] + 1 once compacted.
    private ReplicaId[] replicas = NO_REPLICAS;
    private long[] bases = NO_COUNTERS;
    private long[][] clouds = NO_CLOUDS;
    private int size;
    // Dots recorded by addUnordered and not yet folded into bases and clouds: pending[i] holds pendingSizes[i]
    // counters of replicas[i] in arrival order. Every read settles them first, so they are never visible.
    private long[][] pending = NO_CLOUDS;
    private int[] pendingSizes = NO_SIZES;
    private boolean unsettled;

    public CausalContext() {}

    /** A context that has seen exactly the dots of {@code vector}. */
    public static CausalContext of(VersionVector vector) {
        CausalContext context = new CausalContext();
        vector.forEach(context::addRange);
        return context;
    }

    /** A context that has seen exactly the given dots. */
    public static CausalContext ofDots(Iterable<Dot> dots) {
        CausalContext context = new CausalContext();
        for (Dot dot : dots) {
            context.add(dot);
        }
        return context;
    }

    /** True when {@code dot} has been seen. */
    public boolean contains(Dot dot) {
        return contains(dot.replica(), dot.counter());
    }

    /** True when the {@code counter}-th event of {@code replica} has been seen. */
    public boolean contains(ReplicaId replica, long counter) {
        int i = indexOf(replica);
        return i >= 0 && containsAt(i, counter);
    }

    boolean containsAt(int index, long counter) {
        settle();
        if (counter <= bases[index]) {
            return true;
        }
        long[] cloud = clouds[index];
        return cloud != null && Arrays.binarySearch(cloud, counter) >= 0;
    }

    /** The highest counter seen for {@code replica}, counting cloud dots (0 when none). */
    public long max(ReplicaId replica) {
        settle();
        int i = indexOf(replica);
        if (i < 0) {
            return 0;
        }
        long[] cloud = clouds[i];
        return cloud != null ? cloud[cloud.length - 1] : bases[i];
    }

    /** The dot {@code replica} should use for its next event: one above the highest it has seen. */
    public Dot nextDot(ReplicaId replica) {
        long next = max(replica) + 1;
        if (next > Dot.COUNTER_MAX) {
            throw new IllegalArgumentException("replica " + replica + " has exhausted its event counter");
        }
        return new Dot(replica, next);
    }

    /** Records {@code dot} as seen. Returns false when it had already been seen. */
    public boolean add(Dot dot) {
        return add(dot.replica(), dot.counter());
    }

    boolean add(ReplicaId replica, long counter) {
        settle();
        int i = indexOf(replica);
        if (i < 0) {
            i = insertReplica(-i - 1, replica);
        }
        if (containsAt(i, counter)) {
            return false;
        }
        if (counter == bases[i] + 1) {
            bases[i] = counter;
            compactAt(i);
        } else {
            long[] cloud = clouds[i];
            if (cloud == null) {
                clouds[i] = new long[] {counter};
            } else {
                int at = -Arrays.binarySearch(cloud, counter) - 1;
                long[] grown = new long[cloud.length + 1];
                System.arraycopy(cloud, 0, grown, 0, at);
                grown[at] = counter;
                System.arraycopy(cloud, at, grown, at + 1, cloud.length - at);
                clouds[i] = grown;
            }
        }
        return true;
    }

    /**
     * Records the {@code counter}-th event of {@code replica} as seen, like {@link #add}, but without saying whether
     * it was new, so that the dot can wait in a buffer: a removal collects every dot of the value it removes in
     * whatever order the value's store holds them, and inserting each into a sorted cloud would shift the cloud
     * every time, quadratic in the value's size. The buffer is sorted and folded in at the next read, once.
     */
    void addUnordered(ReplicaId replica, long counter) {
        int i = indexOf(replica);
        if (i < 0) {
            i = insertReplica(-i - 1, replica);
        }
        if (counter <= bases[i]) {
            return;
        }
        if (counter == bases[i] + 1 && clouds[i] == null && pendingSizes[i] == 0) {
            bases[i] = counter;
            return;
        }
        long[] buffer = pending[i];
        int used = pendingSizes[i];
        if (buffer == null || used == buffer.length) {
            pending[i] = buffer = buffer == null ? new long[PENDING_CAPACITY_MIN] : Arrays.copyOf(buffer, used * 2);
        }
        buffer[used] = counter;
        pendingSizes[i] = used + 1;
        unsettled = true;
    }

    /**
     * Folds the dots {@link #addUnordered} buffered into the bases and clouds: sort, drop duplicates, unite with the
     * cloud, compact. Reads call it; a mutator that collected dots calls it before handing its delta out, so that
     * a context shared with another thread is never changed by a read.
     */
    void settle() {
        if (!unsettled) {
            return;
        }
        unsettled = false;
        for (int i = 0; i < size; i++) {
            int used = pendingSizes[i];
            if (used == 0) {
                continue;
            }
            long[] sorted = Arrays.copyOf(pending[i], used);
            pending[i] = null;
            pendingSizes[i] = 0;
            Arrays.sort(sorted);
            int distinct = 0;
            for (int d = 0; d < used; d++) {
                if (distinct == 0 || sorted[distinct - 1] != sorted[d]) {
                    sorted[distinct++] = sorted[d];
                }
            }
            if (distinct < used) {
                sorted = Arrays.copyOf(sorted, distinct);
            }
            clouds[i] = clouds[i] == null ? sorted : unionSorted(clouds[i], sorted);
            // Compaction folds the run that continues the base and drops the dots the base already covers.
            compactAt(i);
        }
    }

    /** Records every event of {@code replica} from 1 to {@code counter} as seen. */
    void addRange(ReplicaId replica, long counter) {
        if (counter <= 0) {
            return;
        }
        settle();
        int i = indexOf(replica);
        if (i < 0) {
            i = insertReplica(-i - 1, replica);
        }
        if (counter > bases[i]) {
            bases[i] = counter;
            compactAt(i);
        }
    }

    /**
     * Adds every dot {@code other} has seen to this context (set union). Clouds are united as sorted arrays, so the
     * cost is linear in the two contexts' sizes: a state transfer joins chunks whose clouds hold many thousands of
     * scattered dots, and inserting them one by one would be quadratic.
     */
    public CausalContext merge(CausalContext other) {
        if (other == this) {
            return this;
        }
        settle();
        other.settle();
        for (int j = 0; j < other.size; j++) {
            ReplicaId replica = other.replicas[j];
            int i = indexOf(replica);
            if (i < 0) {
                i = insertReplica(-i - 1, replica);
            }
            if (other.bases[j] > bases[i]) {
                bases[i] = other.bases[j];
            }
            long[] theirs = other.clouds[j];
            if (theirs != null) {
                long[] mine = clouds[i];
                clouds[i] = mine == null ? theirs.clone() : unionSorted(mine, theirs);
            }
            // Compaction also drops cloud dots a raised base now covers.
            compactAt(i);
        }
        return this;
    }

    /** The sorted union of two sorted arrays without duplicates. */
    private static long[] unionSorted(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int i = 0, j = 0, n = 0;
        while (i < a.length || j < b.length) {
            long next;
            if (j == b.length || (i < a.length && a[i] < b[j])) {
                next = a[i++];
            } else if (i == a.length || b[j] < a[i]) {
                next = b[j++];
            } else {
                next = a[i++];
                j++;
            }
            out[n++] = next;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** The contiguous part of this context: every dot at or below its entry has been seen. */
    public VersionVector versionVector() {
        settle();
        VersionVector vector = VersionVector.empty();
        for (int i = 0; i < size; i++) {
            vector = vector.with(replicas[i], bases[i]);
        }
        return vector;
    }

    /** The dots seen out of order (above the contiguous part), in dot order. */
    public List<Dot> cloud() {
        settle();
        List<Dot> dots = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (clouds[i] != null) {
                for (long counter : clouds[i]) {
                    dots.add(new Dot(replicas[i], counter));
                }
            }
        }
        return dots;
    }

    /** True when this context has seen every dot that {@code other} has seen. */
    public boolean includes(CausalContext other) {
        settle();
        other.settle();
        for (int j = 0; j < other.size; j++) {
            ReplicaId replica = other.replicas[j];
            int i = indexOf(replica);
            long base = i >= 0 ? bases[i] : 0;
            if (other.bases[j] > base) {
                // Every counter in (base, other.base] must be in our cloud.
                for (long c = base + 1; c <= other.bases[j]; c++) {
                    if (i < 0 || !containsAt(i, c)) {
                        return false;
                    }
                }
            }
            if (other.clouds[j] != null) {
                for (long counter : other.clouds[j]) {
                    if (i < 0 || !containsAt(i, counter)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The number of distinct dots seen. */
    public long dotCount() {
        settle();
        long count = 0;
        for (int i = 0; i < size; i++) {
            count += bases[i] + (clouds[i] == null ? 0 : clouds[i].length);
        }
        return count;
    }

    /** Replicas with any seen dot, in order. */
    public List<ReplicaId> replicas() {
        return List.of(Arrays.copyOf(replicas, size));
    }

    public CausalContext copy() {
        settle();
        CausalContext copy = new CausalContext();
        copy.replicas = Arrays.copyOf(replicas, size);
        copy.bases = Arrays.copyOf(bases, size);
        copy.clouds = new long[size][];
        for (int i = 0; i < size; i++) {
            copy.clouds[i] = clouds[i] == null ? null : clouds[i].clone();
        }
        copy.size = size;
        copy.pending = new long[size][];
        copy.pendingSizes = new int[size];
        return copy;
    }

    /** Visits every seen dot in order. Visits {@link #dotCount()} dots: meant for small (delta) contexts. */
    public void forEachDot(Consumer<Dot> action) {
        settle();
        for (int i = 0; i < size; i++) {
            for (long c = 1; c <= bases[i]; c++) {
                action.accept(new Dot(replicas[i], c));
            }
            if (clouds[i] != null) {
                for (long counter : clouds[i]) {
                    action.accept(new Dot(replicas[i], counter));
                }
            }
        }
    }

    /** This context alone in the causal types' canonical encoding (for persisting it, as a checkpoint does). */
    public byte[] encode() {
        ByteWriter out = new ByteWriter();
        CausalEncoding.writeHeader(out, false, this);
        return out.toByteArray();
    }

    /**
     * Decodes bytes written by {@link #encode()}.
     *
     * @throws CodecException if the bytes are not exactly one canonical context
     */
    public static CausalContext decode(byte[] bytes) throws CodecException {
        ByteReader in = new ByteReader(bytes);
        CausalEncoding.Header header = CausalEncoding.readHeader(in);
        if (header.partial()) {
            throw in.fail("a bare context carries no partial flag", 0);
        }
        in.expectEnd();
        return header.context();
    }

    // --- package-private access for the codec and the dot stores ---

    int replicaCount() {
        return size;
    }

    ReplicaId replicaAt(int index) {
        return replicas[index];
    }

    long baseAt(int index) {
        settle();
        return bases[index];
    }

    long[] cloudAt(int index) {
        settle();
        return clouds[index];
    }

    int indexOf(ReplicaId replica) {
        // Contexts hold a handful of replicas; a linear scan with an identity check beats hashing there.
        if (size <= 8) {
            for (int i = 0; i < size; i++) {
                if (replicas[i] == replica) {
                    return i;
                }
            }
        }
        return Arrays.binarySearch(replicas, 0, size, replica);
    }

    private int insertReplica(int at, ReplicaId replica) {
        if (size == replicas.length) {
            // Most contexts name one replica (a delta) or a handful (a region's state): start small, then double.
            int capacity = size == 0 ? 1 : size * 2;
            replicas = Arrays.copyOf(replicas, capacity);
            bases = Arrays.copyOf(bases, capacity);
            clouds = Arrays.copyOf(clouds, capacity);
            pending = Arrays.copyOf(pending, capacity);
            pendingSizes = Arrays.copyOf(pendingSizes, capacity);
        }
        System.arraycopy(replicas, at, replicas, at + 1, size - at);
        System.arraycopy(bases, at, bases, at + 1, size - at);
        System.arraycopy(clouds, at, clouds, at + 1, size - at);
        System.arraycopy(pending, at, pending, at + 1, size - at);
        System.arraycopy(pendingSizes, at, pendingSizes, at + 1, size - at);
        replicas[at] = replica;
        bases[at] = 0;
        clouds[at] = null;
        pending[at] = null;
        pendingSizes[at] = 0;
        size++;
        return at;
    }

    private void compactAt(int i) {
        long[] cloud = clouds[i];
        if (cloud == null) {
            return;
        }
        int consumed = 0;
        while (consumed < cloud.length && cloud[consumed] <= bases[i] + 1) {
            bases[i] = Math.max(bases[i], cloud[consumed]);
            consumed++;
        }
        if (consumed == cloud.length) {
            clouds[i] = null;
        } else if (consumed > 0) {
            clouds[i] = Arrays.copyOfRange(cloud, consumed, cloud.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CausalContext other) || other.size != size) {
            return false;
        }
        settle();
        other.settle();
        for (int i = 0; i < size; i++) {
            if (!replicas[i].equals(other.replicas[i]) || bases[i] != other.bases[i]
                    || !Arrays.equals(clouds[i], other.clouds[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        settle();
        int hash = 1;
        for (int i = 0; i < size; i++) {
            hash = 31 * hash + replicas[i].hashCode();
            hash = 31 * hash + Long.hashCode(bases[i]);
            hash = 31 * hash + Arrays.hashCode(clouds[i]);
        }
        return hash;
    }

    @Override
    public String toString() {
        return versionVector() + (cloud().isEmpty() ? "" : " + " + cloud());
    }
}
