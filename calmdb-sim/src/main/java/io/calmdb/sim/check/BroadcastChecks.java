package io.calmdb.sim.check;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.sim.DeliveryLog;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The broadcast properties of Hadzilacos and Toueg ("A modular approach to fault-tolerant broadcasts and related
 * problems", 1994), checked over a {@link DeliveryLog}. "Correct" nodes are those that never crashed.
 */
public final class BroadcastChecks {
    private BroadcastChecks() {}

    private record NodeLife(ReplicaId node, int incarnation) {}

    /** No node delivers a message twice within one incarnation (a restart may deliver again what it lost). */
    public static <P> Violations noDuplicateDelivery(DeliveryLog<P> log) {
        Violations.Collector violations = new Violations.Collector("no duplicate delivery");
        Map<NodeLife, Set<Dot>> seen = new HashMap<>();
        for (DeliveryLog.Delivered<P> delivery : log.deliveries()) {
            NodeLife life = new NodeLife(delivery.node(), delivery.incarnation());
            if (!seen.computeIfAbsent(life, l -> new HashSet<>()).add(delivery.id())) {
                violations.add(delivery.node() + " delivered " + delivery.id() + " again at " + delivery.atMillis());
            }
        }
        return violations.result();
    }

    /** Every delivered message was broadcast, and carries the payload it was broadcast with. */
    public static <P> Violations noDeliveryOfUnsent(DeliveryLog<P> log) {
        Violations.Collector violations = new Violations.Collector("no delivery of unsent");
        for (DeliveryLog.Delivered<P> delivery : log.deliveries()) {
            DeliveryLog.Sent<P> sent = log.broadcastOf(delivery.id());
            if (sent == null) {
                violations.add(delivery.node() + " delivered " + delivery.id() + ", which nobody broadcast");
            } else if (!Objects.equals(sent.payload(), delivery.payload())) {
                violations.add(delivery.node() + " delivered " + delivery.id() + " with payload "
                        + delivery.payload() + " but it was broadcast with " + sent.payload());
            }
        }
        return violations.result();
    }

    /** Every message delivered by some correct node is delivered by every correct node. */
    public static <P> Violations agreement(DeliveryLog<P> log, Collection<ReplicaId> correct) {
        Violations.Collector violations = new Violations.Collector("agreement");
        Map<ReplicaId, Set<Dot>> byNode = deliveredBy(log, correct);
        Set<Dot> anywhere = new LinkedHashSet<>();
        byNode.values().forEach(anywhere::addAll);
        for (Dot id : anywhere) {
            for (ReplicaId node : correct) {
                if (!byNode.get(node).contains(id)) {
                    violations.add(node + " never delivered " + id + ", which another correct node delivered");
                }
            }
        }
        return violations.result();
    }

    /** Every message broadcast by a correct node is delivered by every correct node. */
    public static <P> Violations validity(DeliveryLog<P> log, Collection<ReplicaId> correct) {
        Violations.Collector violations = new Violations.Collector("validity");
        Map<ReplicaId, Set<Dot>> byNode = deliveredBy(log, correct);
        for (DeliveryLog.Sent<P> sent : log.broadcasts()) {
            if (!byNode.containsKey(sent.origin())) {
                continue;
            }
            for (ReplicaId node : correct) {
                if (!byNode.get(node).contains(sent.id())) {
                    violations.add(node + " never delivered " + sent.id() + " broadcast by correct " + sent.origin());
                }
            }
        }
        return violations.result();
    }

    private static <P> Map<ReplicaId, Set<Dot>> deliveredBy(DeliveryLog<P> log, Collection<ReplicaId> nodes) {
        Map<ReplicaId, Set<Dot>> byNode = new HashMap<>();
        for (ReplicaId node : nodes) {
            byNode.put(node, new HashSet<>());
        }
        for (DeliveryLog.Delivered<P> delivery : log.deliveries()) {
            Set<Dot> set = byNode.get(delivery.node());
            if (set != null) {
                set.add(delivery.id());
            }
        }
        return byNode;
    }

    /**
     * No node delivers a message before everything in its causal past (what its origin had delivered when it
     * broadcast it). Needs a log that records causal pasts. Each violation is one (node, message) pair.
     */
    public static <P> Violations causalOrder(DeliveryLog<P> log) {
        if (!log.recordsCausalPast()) {
            throw new IllegalArgumentException("log must record causal pasts to check causal order");
        }
        Violations.Collector violations = new Violations.Collector("causal order");
        Map<NodeLife, BitSet> deliveredSoFar = new HashMap<>();
        for (DeliveryLog.Delivered<P> delivery : log.deliveries()) {
            DeliveryLog.Sent<P> sent = log.broadcastOf(delivery.id());
            if (sent == null) {
                continue;
            }
            BitSet before = deliveredSoFar.computeIfAbsent(new NodeLife(delivery.node(), delivery.incarnation()),
                    life -> new BitSet());
            BitSet missing = (BitSet) sent.causalPast().clone();
            missing.andNot(before);
            if (!missing.isEmpty() && delivery.incarnation() == 0) {
                List<Dot> causes = new ArrayList<>();
                for (int i = missing.nextSetBit(0); i >= 0 && causes.size() < 3; i = missing.nextSetBit(i + 1)) {
                    causes.add(log.broadcasts().get(i).id());
                }
                violations.add(delivery.node() + " delivered " + delivery.id() + " at " + delivery.atMillis()
                        + " before its cause(s) " + causes);
            }
            before.set(sent.index());
        }
        return violations.result();
    }

    /** Every node delivers each origin's messages in the order the origin broadcast them, without skipping. */
    public static <P> Violations fifoOrder(DeliveryLog<P> log) {
        Violations.Collector violations = new Violations.Collector("fifo order");
        Map<NodeLife, Map<ReplicaId, Long>> last = new HashMap<>();
        for (DeliveryLog.Delivered<P> delivery : log.deliveries()) {
            if (delivery.incarnation() != 0) {
                continue;
            }
            Map<ReplicaId, Long> byOrigin = last.computeIfAbsent(new NodeLife(delivery.node(), 0), l -> new HashMap<>());
            long previous = byOrigin.getOrDefault(delivery.id().replica(), 0L);
            if (delivery.id().counter() != previous + 1) {
                violations.add(delivery.node() + " delivered " + delivery.id() + " right after counter " + previous);
            }
            byOrigin.put(delivery.id().replica(), Math.max(previous, delivery.id().counter()));
        }
        return violations.result();
    }

    /** The safety properties every protocol must keep: no duplicate delivery and no delivery of unsent. */
    public static <P> List<Violations> safety(DeliveryLog<P> log) {
        return List.of(noDuplicateDelivery(log), noDeliveryOfUnsent(log));
    }
}
