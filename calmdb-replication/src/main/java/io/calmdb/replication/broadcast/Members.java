package io.calmdb.replication.broadcast;

import io.calmdb.crdt.ReplicaId;
import java.util.AbstractList;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;
import java.util.TreeSet;

/**
 * An immutable cluster membership, sorted by replica id and free of duplicates. Any collection of ids may be passed
 * to the protocol factories, but a {@code Members} is sorted and checked once and then shared by every node's
 * protocol as is; with 10,000 simulated nodes that is the difference between linear and quadratic set-up.
 */
public final class Members extends AbstractList<ReplicaId> implements RandomAccess {
    private final List<ReplicaId> sorted;

    private Members(List<ReplicaId> sorted) {
        this.sorted = sorted;
    }

    /** The members of {@code replicas}, sorted, each once. */
    public static Members of(Collection<ReplicaId> replicas) {
        Require.notNull(replicas, "replicas");
        if (replicas instanceof Members members) {
            return members;
        }
        return new Members(List.copyOf(new TreeSet<>(replicas)));
    }

    @Override
    public ReplicaId get(int index) {
        return sorted.get(index);
    }

    @Override
    public int size() {
        return sorted.size();
    }
}
