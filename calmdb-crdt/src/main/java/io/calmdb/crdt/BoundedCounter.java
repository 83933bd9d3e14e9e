package io.calmdb.crdt;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A counter that never goes below zero without coordinating on every decrement: the lower-bound counter of
 * Balegas, Serra, Preguiça, Rodrigues, Leitão, Najafzadeh and Shapiro, "Extending Eventually Consistent Cloud
 * Databases for Enforcing Numeric Invariants" (SRDS 2015), the bounded counter behind AntidoteDB, in the
 * delta-state style of Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (JPDC 2018).
 *
 * <p><b>The idea.</b> The value is split into <em>rights</em> held by replicas. A replica may decrement only
 * by rights it holds, so however the replicas' decrements interleave, together they can never take more than
 * the value. Rights come from increments (an increment at a replica gives that replica the new units) and
 * move between replicas by explicit transfers. Only a transfer needs the two replicas to talk; decrements
 * within local rights and all increments stay local and fast.
 *
 * <p><b>The state.</b> A rights matrix {@code R} and a used vector {@code U}: {@code R[i][i]} counts the
 * increments made at replica {@code i}, {@code R[i][j]} (for {@code i != j}) counts the rights {@code i} has
 * transferred to {@code j}, and {@code U[i]} counts the decrements made at {@code i}. Then
 * <pre>
 *   rights(i) = R[i][i] + sum over j != i of R[j][i] - sum over j != i of R[i][j] - U[i]
 *   value     = sum over i of R[i][i] - sum over i of U[i]       (= the sum of everyone's rights)
 * </pre>
 * Every entry only grows and is written only by one replica (row {@code i} and {@code U[i]} by {@code i}),
 * so merge is the entry-wise maximum, as for a {@link GCounter}, and is commutative, associative and
 * idempotent. Example: A increments by 10 ({@code R[A][A] = 10}), transfers 4 to B ({@code R[A][B] = 4}),
 * B decrements 3 ({@code U[B] = 3}): rights(A) = 6, rights(B) = 1, value = 7.
 *
 * <p><b>Deltas that are valid on their own.</b> An increment's delta is the single entry {@code R[i][i]}: it
 * only adds rights, so it is safe to deliver in any order. A decrement or a transfer at {@code i} cannot ship
 * just the entry it changed: delivered before the transfer that gave {@code i} those rights, it would show a
 * replica with negative rights and a negative value. Its delta is therefore the rows (and used entries) of
 * {@code i} and of every replica whose rights could have flowed to {@code i}, transitively: everything
 * that justifies {@code i}'s rights. Such a delta satisfies the invariant by itself, so the codec can demand it
 * of every decoded state, and a receiver's value never dips below zero even when deltas arrive out of causal
 * order. The matrix has at most one entry per pair of replicas that ever exchanged rights (a handful of
 * regions in practice), so these deltas stay small; a replica that never received rights ships only its own row.
 *
 * <p><b>Invariant.</b> Every state built by this class's mutators, by merging such states and their deltas,
 * or by the codec has {@code rights(i) >= 0} for every replica and therefore {@code value() >= 0}. The codec
 * rejects any encoded state that violates it. Only the owner of a row may mutate it: call
 * {@link #decrement} and {@link #transfer} only on the replica named as their actor, as with every CalmDB type.
 *
 * <p>Mutable and not thread-safe; {@link #copy()} hands a snapshot to another thread.
 */
public final class BoundedCounter implements Crdt<BoundedCounter> {
    // Row i holds R[i][j] for every j (the diagonal included), only entries > 0; no empty rows are kept.
    private final TreeMap<ReplicaId, TreeMap<ReplicaId, Long>> matrix;
    // U[i], only entries > 0.
    private final TreeMap<ReplicaId, Long> used;

    /** An empty counter: value 0, nobody holds rights. */
    public BoundedCounter() {
        this(new TreeMap<>(), new TreeMap<>());
    }

    private BoundedCounter(TreeMap<ReplicaId, TreeMap<ReplicaId, Long>> matrix, TreeMap<ReplicaId, Long> used) {
        this.matrix = matrix;
        this.used = used;
    }

    /**
     * The counter's value: all increments minus all decrements, which equals the sum of all replicas' rights and
     * is never negative.
     *
     * @throws ArithmeticException when the exact value does not fit in a {@code long}
     */
    public long value() {
        long value = 0;
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
            value = Math.addExact(value, row.getValue().getOrDefault(row.getKey(), 0L));
        }
        for (long decrements : used.values()) {
            value = Math.subtractExact(value, decrements);
        }
        return value;
    }

    /**
     * The rights {@code replica} holds as far as this state knows: its increments, plus the rights transferred
     * to it, minus the rights it transferred away, minus its decrements. At the replica itself this is exactly
     * how much it may still decrement; elsewhere it may lag behind.
     *
     * @throws ArithmeticException when an intermediate sum does not fit in a {@code long}
     */
    public long rights(ReplicaId replica) {
        Checks.notNull(replica, "replica");
        long rights = 0;
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
            if (row.getKey().equals(replica)) {
                for (Map.Entry<ReplicaId, Long> entry : row.getValue().entrySet()) {
                    boolean increments = entry.getKey().equals(replica);
                    rights = increments ? Math.addExact(rights, entry.getValue()) : Math.subtractExact(rights, entry.getValue());
                }
            } else {
                rights = Math.addExact(rights, row.getValue().getOrDefault(replica, 0L));
            }
        }
        return Math.subtractExact(rights, used.getOrDefault(replica, 0L));
    }

    /**
     * The rights of every replica this state names, ordered by replica id, as {@link #rights} computes them but
     * in one pass over the matrix: what a console shows as "who may still decrement how much".
     *
     * @throws ArithmeticException when an intermediate sum does not fit in a {@code long}
     */
    public Map<ReplicaId, Long> rightsByReplica() {
        TreeMap<ReplicaId, Long> rights = new TreeMap<>();
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
            ReplicaId giver = row.getKey();
            for (Map.Entry<ReplicaId, Long> entry : row.getValue().entrySet()) {
                long amount = entry.getValue();
                if (entry.getKey().equals(giver)) {
                    rights.merge(giver, amount, Math::addExact);
                } else {
                    rights.merge(giver, -amount, Math::addExact);
                    rights.merge(entry.getKey(), amount, Math::addExact);
                }
            }
        }
        for (Map.Entry<ReplicaId, Long> entry : used.entrySet()) {
            rights.merge(entry.getKey(), -entry.getValue(), Math::addExact);
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(rights));
    }

    /** Adds one at {@code replica}; returns the delta. */
    public BoundedCounter increment(ReplicaId replica) {
        return increment(replica, 1);
    }

    /**
     * Adds {@code amount} (> 0) at {@code replica}, which gains that many rights, and returns the delta: the
     * single entry {@code R[replica][replica]} at its new value.
     *
     * @throws ArithmeticException if the counter's total increments would exceed {@link Long#MAX_VALUE}; the
     *     state is unchanged
     */
    public BoundedCounter increment(ReplicaId replica, long amount) {
        Checks.notNull(replica, "replica");
        Checks.argument(amount > 0, "amount", "must be > 0", amount);
        long totalIncrements = 0;
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
            totalIncrements = Math.addExact(totalIncrements, row.getValue().getOrDefault(row.getKey(), 0L));
        }
        // Checked before any change: the sum of all increments bounds every rights figure and the value.
        Math.addExact(totalIncrements, amount);
        long incremented = addToEntry(replica, replica, amount);
        TreeMap<ReplicaId, TreeMap<ReplicaId, Long>> deltaMatrix = new TreeMap<>();
        deltaMatrix.put(replica, new TreeMap<>(Map.of(replica, incremented)));
        return new BoundedCounter(deltaMatrix, new TreeMap<>());
    }

    /** Subtracts one at {@code replica}; returns the delta. */
    public BoundedCounter decrement(ReplicaId replica) throws InsufficientRightsException {
        return decrement(replica, 1);
    }

    /**
     * Subtracts {@code amount} (> 0) at {@code replica}, spending that many of its local rights, and returns the
     * delta: the rows of {@code replica} and of every replica whose rights could have reached it (see the class
     * comment for why a decrement's delta carries its justification).
     *
     * @throws InsufficientRightsException when {@code replica} holds fewer than {@code amount} rights; the state
     *     is unchanged, and the caller should obtain a {@link #transfer} or refuse the operation
     */
    public BoundedCounter decrement(ReplicaId replica, long amount) throws InsufficientRightsException {
        Checks.notNull(replica, "replica");
        Checks.argument(amount > 0, "amount", "must be > 0", amount);
        long available = rights(replica);
        if (amount > available) {
            throw new InsufficientRightsException(replica, amount, available);
        }
        // Cannot overflow: U[replica] + amount <= increments and transfers received, which rights() summed exactly.
        used.merge(replica, amount, Long::sum);
        return justificationOf(replica);
    }

    /**
     * Moves {@code amount} (> 0) of {@code from}'s local rights to {@code to} and returns the delta: the rows of
     * {@code from} and of every replica whose rights could have reached it, which include the new
     * {@code R[from][to]}. Once the delta reaches {@code to}, {@code to} may spend the rights. Call it at
     * {@code from}, which is the only replica allowed to give its rights away.
     *
     * @throws InsufficientRightsException when {@code from} holds fewer than {@code amount} rights; the state is
     *     unchanged
     * @throws ArithmeticException when the cumulative transfers from {@code from} to {@code to} would exceed
     *     {@link Long#MAX_VALUE}; the state is unchanged
     */
    public BoundedCounter transfer(ReplicaId from, ReplicaId to, long amount) throws InsufficientRightsException {
        Checks.notNull(from, "from");
        Checks.notNull(to, "to");
        Checks.argument(!from.equals(to), "to", "must differ from 'from' (" + from + "): a replica cannot transfer to itself");
        Checks.argument(amount > 0, "amount", "must be > 0", amount);
        long available = rights(from);
        if (amount > available) {
            throw new InsufficientRightsException(from, amount, available);
        }
        addToEntry(from, to, amount);
        return justificationOf(from);
    }

    /**
     * The rights matrix: for each replica with a row, the entries of its row (its own increments on the
     * diagonal, the rights it gave to each other replica elsewhere), ordered by replica id, non-zero only.
     */
    public Map<ReplicaId, Map<ReplicaId, Long>> rightsMatrix() {
        Map<ReplicaId, Map<ReplicaId, Long>> copy = new LinkedHashMap<>();
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
            copy.put(row.getKey(), Collections.unmodifiableMap(new LinkedHashMap<>(row.getValue())));
        }
        return Collections.unmodifiableMap(copy);
    }

    /** The decrements made at each replica, ordered by replica id, non-zero only. */
    public Map<ReplicaId, Long> used() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(used));
    }

    /** Joins {@code other} into this counter: the entry-wise maximum of the matrices and used vectors. */
    @Override
    public BoundedCounter merge(BoundedCounter other) {
        Checks.notNull(other, "other");
        if (other == this) {
            return this;
        }
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> otherRow : other.matrix.entrySet()) {
            TreeMap<ReplicaId, Long> row = matrix.computeIfAbsent(otherRow.getKey(), replica -> new TreeMap<>());
            for (Map.Entry<ReplicaId, Long> entry : otherRow.getValue().entrySet()) {
                row.merge(entry.getKey(), entry.getValue(), Math::max);
            }
        }
        for (Map.Entry<ReplicaId, Long> entry : other.used.entrySet()) {
            used.merge(entry.getKey(), entry.getValue(), Math::max);
        }
        return this;
    }

    @Override
    public BoundedCounter copy() {
        TreeMap<ReplicaId, TreeMap<ReplicaId, Long>> matrixCopy = new TreeMap<>();
        for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
            matrixCopy.put(row.getKey(), new TreeMap<>(row.getValue()));
        }
        return new BoundedCounter(matrixCopy, new TreeMap<>(used));
    }

    // Adds amount to R[row][column] and returns the new entry; throws ArithmeticException before any change.
    private long addToEntry(ReplicaId row, ReplicaId column, long amount) {
        TreeMap<ReplicaId, Long> entries = matrix.get(row);
        long updated = Math.addExact(entries == null ? 0 : entries.getOrDefault(column, 0L), amount);
        matrix.computeIfAbsent(row, replica -> new TreeMap<>()).put(column, updated);
        return updated;
    }

    /**
     * The smallest sub-state that justifies {@code replica}'s rights: the rows and used entries of
     * {@code replica} and of every replica that transferred rights, directly or through others, to it. For every
     * replica included, all its incoming transfers come from replicas also included, so its rights in the
     * sub-state equal its rights here; replicas outside only receive, so their rights there are not negative.
     */
    private BoundedCounter justificationOf(ReplicaId replica) {
        TreeSet<ReplicaId> closure = new TreeSet<>();
        Deque<ReplicaId> pending = new ArrayDeque<>();
        closure.add(replica);
        pending.add(replica);
        // Each replica enters the queue at most once, so the walk is bounded by rows times rows.
        while (!pending.isEmpty()) {
            ReplicaId receiver = pending.poll();
            for (Map.Entry<ReplicaId, TreeMap<ReplicaId, Long>> row : matrix.entrySet()) {
                if (!row.getKey().equals(receiver) && row.getValue().containsKey(receiver) && closure.add(row.getKey())) {
                    pending.add(row.getKey());
                }
            }
        }
        TreeMap<ReplicaId, TreeMap<ReplicaId, Long>> deltaMatrix = new TreeMap<>();
        TreeMap<ReplicaId, Long> deltaUsed = new TreeMap<>();
        for (ReplicaId member : closure) {
            TreeMap<ReplicaId, Long> row = matrix.get(member);
            if (row != null) {
                deltaMatrix.put(member, new TreeMap<>(row));
            }
            Long memberUsed = used.get(member);
            if (memberUsed != null) {
                deltaUsed.put(member, memberUsed);
            }
        }
        return new BoundedCounter(deltaMatrix, deltaUsed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoundedCounter other && matrix.equals(other.matrix) && used.equals(other.used);
    }

    @Override
    public int hashCode() {
        return 31 * matrix.hashCode() + used.hashCode();
    }

    @Override
    public String toString() {
        String value;
        try {
            value = Long.toString(value());
        } catch (ArithmeticException e) {
            value = "(beyond 64 bits)";
        }
        return "BoundedCounter{R=" + matrix + ", U=" + used + "} = " + value;
    }

    /**
     * The codec for bounded counters. Layout: a count of replicas, then for each replica in strictly increasing
     * id order: its id, its used count {@code U[i]} (varint), the number of entries in its row, and the entries
     * as (column replica id, value >= 1) in strictly increasing column order. A replica appears only if it has
     * a non-zero used count or a row entry. Decoding rejects any state in which some replica's rights, or the
     * value, would be negative or beyond 64 bits: such a state cannot arise from the mutators.
     */
    public static StateCodec<BoundedCounter> codec() {
        return CODEC;
    }

    private static final StateCodec<BoundedCounter> CODEC = new StateCodec<>() {
        @Override
        public CrdtType type() {
            return CrdtType.BOUNDED_COUNTER;
        }

        @Override
        public void write(ByteWriter out, BoundedCounter state) {
            TreeSet<ReplicaId> replicas = new TreeSet<>(state.matrix.keySet());
            replicas.addAll(state.used.keySet());
            out.writeVarInt(replicas.size());
            for (ReplicaId replica : replicas) {
                out.writeReplicaId(replica);
                out.writeVarLong(state.used.getOrDefault(replica, 0L));
                TreeMap<ReplicaId, Long> row = state.matrix.get(replica);
                if (row == null) {
                    out.writeVarInt(0);
                    continue;
                }
                out.writeVarInt(row.size());
                for (Map.Entry<ReplicaId, Long> entry : row.entrySet()) {
                    out.writeReplicaId(entry.getKey());
                    out.writeVarLong(entry.getValue());
                }
            }
        }

        @Override
        public BoundedCounter read(ByteReader in) throws CodecException {
            int start = in.position();
            // Each replica takes at least 4 bytes: a 1-character id with its length, a used count, an entry count.
            int replicaCount = in.readCount(CodecLimits.REPLICAS_MAX, 4, "bounded counter replica");
            TreeMap<ReplicaId, TreeMap<ReplicaId, Long>> matrix = new TreeMap<>();
            TreeMap<ReplicaId, Long> used = new TreeMap<>();
            TreeSet<ReplicaId> named = new TreeSet<>();
            ReplicaId previous = null;
            for (int r = 0; r < replicaCount; r++) {
                int at = in.position();
                ReplicaId replica = in.readReplicaId();
                if (previous != null && replica.compareTo(previous) <= 0) {
                    throw in.fail("bounded counter replicas are not in strictly increasing order", at);
                }
                previous = replica;
                named.add(replica);
                long replicaUsed = in.readVarLong(0, Long.MAX_VALUE, "used count");
                int entryCount = in.readCount(CodecLimits.REPLICAS_MAX, 3, "rights matrix entry");
                if (replicaUsed == 0 && entryCount == 0) {
                    throw in.fail("replica " + replica + " is listed with neither decrements nor rights entries", at);
                }
                if (replicaUsed > 0) {
                    used.put(replica, replicaUsed);
                }
                TreeMap<ReplicaId, Long> row = new TreeMap<>();
                ReplicaId previousColumn = null;
                for (int e = 0; e < entryCount; e++) {
                    int entryAt = in.position();
                    ReplicaId column = in.readReplicaId();
                    if (previousColumn != null && column.compareTo(previousColumn) <= 0) {
                        throw in.fail("rights matrix row " + replica + " is not in strictly increasing column order", entryAt);
                    }
                    previousColumn = column;
                    row.put(column, in.readVarLong(1, Long.MAX_VALUE, "rights matrix entry"));
                    named.add(column);
                }
                if (!row.isEmpty()) {
                    matrix.put(replica, row);
                }
                if (named.size() > CodecLimits.REPLICAS_MAX) {
                    throw in.fail("bounded counter names more than " + CodecLimits.REPLICAS_MAX + " replicas", at);
                }
            }
            BoundedCounter state = new BoundedCounter(matrix, used);
            try {
                // One pass over all entries, so hostile input with many replicas costs linear time, not quadratic.
                for (Map.Entry<ReplicaId, Long> rights : state.rightsByReplica().entrySet()) {
                    if (rights.getValue() < 0) {
                        throw in.fail("replica " + rights.getKey() + " would hold negative rights (" + rights.getValue() + ")", start);
                    }
                }
                if (state.value() < 0) {
                    throw in.fail("bounded counter value would be negative", start);
                }
            } catch (ArithmeticException e) {
                throw in.fail("bounded counter rights or value exceed 64 bits", start);
            }
            return state;
        }
    };
}
