package io.calmdb.replication.broadcast;

import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The fixed membership seen by one node: its peers, sorted so that iteration order (and so the order of sends)
 * is deterministic whatever collection the caller passed in.
 */
final class Peers {
    /** The largest cluster a broadcast protocol accepts, in nodes; bounds every per-peer structure. */
    static final int MEMBERS_MAX = 100_000;

    private final ReplicaId self;
    private final List<ReplicaId> sorted;

    Peers(ReplicaId self, Collection<ReplicaId> peers) {
        this.self = Require.notNull(self, "self");
        Require.notNull(peers, "peers");
        TreeSet<ReplicaId> set = new TreeSet<>(peers);
        set.remove(self);
        Require.argument(set.size() < MEMBERS_MAX, "peers", "must hold fewer than " + MEMBERS_MAX + " replicas, got "
                + set.size());
        this.sorted = List.copyOf(set);
    }

    ReplicaId self() {
        return self;
    }

    List<ReplicaId> all() {
        return sorted;
    }

    int size() {
        return sorted.size();
    }

    /**
     * Up to {@code count} distinct peers chosen uniformly at random with {@code random}. For small counts it rejects
     * repeats instead of shuffling, so a fanout of 1 out of 10,000 peers costs one draw.
     */
    List<ReplicaId> sample(int count, RandomGenerator random) {
        int wanted = Math.min(count, sorted.size());
        List<ReplicaId> chosen = new ArrayList<>(wanted);
        if (wanted * 2 <= sorted.size()) {
            while (chosen.size() < wanted) {
                ReplicaId candidate = sorted.get(random.nextInt(sorted.size()));
                if (!chosen.contains(candidate)) {
                    chosen.add(candidate);
                }
            }
            return chosen;
        }
        List<ReplicaId> pool = new ArrayList<>(sorted);
        for (int i = 0; i < wanted; i++) {
            int pick = i + random.nextInt(pool.size() - i);
            ReplicaId swap = pool.get(i);
            pool.set(i, pool.get(pick));
            pool.set(pick, swap);
            chosen.add(pool.get(i));
        }
        return chosen;
    }
}
