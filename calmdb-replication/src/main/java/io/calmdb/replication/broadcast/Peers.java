package io.calmdb.replication.broadcast;

import io.calmdb.crdt.ReplicaId;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The fixed membership seen by one node: its peers, sorted so that iteration order (and so the order of sends) is
 * deterministic whatever collection the caller passed in. When the caller passes {@link Members} (as the simulator
 * does for 10,000 nodes), every node shares that one list instead of copying or re-checking it, which keeps
 * membership linear rather than quadratic in the cluster size.
 */
final class Peers {
    /** The largest cluster a broadcast protocol accepts, in nodes; bounds every per-peer structure. */
    static final int MEMBERS_MAX = 100_000;

    private final ReplicaId self;
    // Sorted, distinct; selfIndex is where self sits in it, or -1 when self is not listed.
    private final List<ReplicaId> members;
    private final int selfIndex;
    private final List<ReplicaId> peers;

    Peers(ReplicaId self, Collection<ReplicaId> peers) {
        this.self = Require.notNull(self, "self");
        Require.notNull(peers, "peers");
        List<ReplicaId> given = peers instanceof Members members ? members : List.copyOf(peers);
        if (!(given instanceof Members) && !strictlySorted(given)) {
            given = List.copyOf(new TreeSet<>(given));
        }
        Require.argument(given.size() <= MEMBERS_MAX, "peers", "must hold at most " + MEMBERS_MAX
                + " replicas, got " + given.size());
        this.members = given;
        int index = java.util.Collections.binarySearch(given, self);
        this.selfIndex = index >= 0 ? index : -1;
        this.peers = new AbstractList<>() {
            @Override
            public ReplicaId get(int i) {
                return members.get(selfIndex >= 0 && i >= selfIndex ? i + 1 : i);
            }

            @Override
            public int size() {
                return selfIndex >= 0 ? members.size() - 1 : members.size();
            }
        };
    }

    private static boolean strictlySorted(List<ReplicaId> list) {
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i - 1).compareTo(list.get(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    ReplicaId self() {
        return self;
    }

    /** The peers (every member but this node), sorted. */
    List<ReplicaId> all() {
        return peers;
    }

    /** Every member including this node, sorted. */
    List<ReplicaId> membersWithSelf() {
        if (selfIndex >= 0) {
            return members;
        }
        TreeSet<ReplicaId> withSelf = new TreeSet<>(members);
        withSelf.add(self);
        return List.copyOf(withSelf);
    }

    int size() {
        return peers.size();
    }

    /**
     * Up to {@code count} distinct peers chosen uniformly at random with {@code random}. For small counts it rejects
     * repeats instead of shuffling, so a fanout of 1 out of 10,000 peers costs one draw.
     */
    List<ReplicaId> sample(int count, RandomGenerator random) {
        int wanted = Math.min(count, peers.size());
        List<ReplicaId> chosen = new ArrayList<>(wanted);
        if (wanted * 2 <= peers.size()) {
            while (chosen.size() < wanted) {
                ReplicaId candidate = peers.get(random.nextInt(peers.size()));
                if (!chosen.contains(candidate)) {
                    chosen.add(candidate);
                }
            }
            return chosen;
        }
        List<ReplicaId> pool = new ArrayList<>(peers);
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
