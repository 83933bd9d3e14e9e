package io.calmdb.sim;

import io.calmdb.crdt.ReplicaId;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * A network partition: which directed links it cuts. Shapes are built by the factories (one node isolated, a
 * minority or majority split off, a bridge, a one-way cut); {@link SimNetwork#partition} starts and heals one on a
 * schedule. A cut link drops every message sent on it, and every message that would arrive on it while it is cut.
 */
public interface Partition {
    /** True when this partition drops messages from {@code from} to {@code to}. */
    boolean cuts(ReplicaId from, ReplicaId to);

    /** A short description for traces and tables, such as {@code isolate(n3)}. */
    String describe();

    /** {@code node} can neither send nor receive. */
    static Partition isolate(ReplicaId node) {
        Require.notNull(node, "node");
        return split(Set.of(node), "isolate(" + node + ")");
    }

    /**
     * The nodes in {@code side} are cut off from everyone else in both directions. With fewer than half of the nodes
     * on {@code side} it splits off a minority; with more, a majority.
     */
    static Partition split(Collection<ReplicaId> side) {
        return split(side, "split" + new TreeSet<>(side));
    }

    private static Partition split(Collection<ReplicaId> side, String description) {
        Set<ReplicaId> members = Set.copyOf(Require.notNull(side, "side"));
        return new Partition() {
            @Override
            public boolean cuts(ReplicaId from, ReplicaId to) {
                return members.contains(from) != members.contains(to);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /**
     * {@code left} and {@code right} cannot reach each other, while every other node (the bridge) still reaches
     * both: the shape in which only relaying through the bridge connects the two halves.
     */
    static Partition bridge(Collection<ReplicaId> left, Collection<ReplicaId> right) {
        Set<ReplicaId> a = Set.copyOf(Require.notNull(left, "left"));
        Set<ReplicaId> b = Set.copyOf(Require.notNull(right, "right"));
        Require.argument(a.stream().noneMatch(b::contains), "left, right", "must be disjoint");
        String description = "bridge" + new TreeSet<>(a) + "|" + new TreeSet<>(b);
        return new Partition() {
            @Override
            public boolean cuts(ReplicaId from, ReplicaId to) {
                return (a.contains(from) && b.contains(to)) || (b.contains(from) && a.contains(to));
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /** Messages from {@code senders} to {@code receivers} are dropped; the other direction still works. */
    static Partition oneWay(Collection<ReplicaId> senders, Collection<ReplicaId> receivers) {
        Set<ReplicaId> from = Set.copyOf(Require.notNull(senders, "senders"));
        Set<ReplicaId> to = Set.copyOf(Require.notNull(receivers, "receivers"));
        String description = "oneWay" + new TreeSet<>(from) + "->" + new TreeSet<>(to);
        return new Partition() {
            @Override
            public boolean cuts(ReplicaId sender, ReplicaId receiver) {
                return from.contains(sender) && to.contains(receiver);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
