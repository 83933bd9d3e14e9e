package io.calmdb.sim;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything broadcast and everything delivered during a run, the raw material of the checkers. It is kept by the
 * simulator, outside the protocols, so it is an independent witness: a protocol cannot hide a wrong delivery from it.
 *
 * <p>When asked to, it also records each broadcast's causal past: the set of messages its origin had delivered
 * when it broadcast (its own earlier broadcasts included). That set, as a bit set over broadcast indexes, is exactly
 * the happened-before relation the causal-order checker needs, whatever protocol produced the run.
 *
 * @param <P> the payload type
 */
public final class DeliveryLog<P> {
    /** One broadcast: its index in broadcast order, id, origin, payload, time and (optionally) causal past. */
    public record Sent<P>(int index, Dot id, ReplicaId origin, P payload, long atMillis, BitSet causalPast) {}

    /** One delivery at one node; {@code incarnation} counts the node's restarts. */
    public record Delivered<P>(ReplicaId node, int incarnation, Dot id, P payload, long atMillis) {}

    private final boolean recordCausalPast;
    private final List<Sent<P>> sent = new ArrayList<>();
    private final Map<Dot, Sent<P>> sentById = new HashMap<>();
    private final List<Delivered<P>> delivered = new ArrayList<>();
    private final Map<ReplicaId, BitSet> deliveredNow = new HashMap<>();

    DeliveryLog(boolean recordCausalPast) {
        this.recordCausalPast = recordCausalPast;
    }

    /** A log for tests that drive protocols without a cluster. */
    public static <P> DeliveryLog<P> create(boolean recordCausalPast) {
        return new DeliveryLog<>(recordCausalPast);
    }

    /** Records that {@code origin} broadcast {@code payload} as {@code id} at {@code atMillis}. */
    public void recordBroadcast(ReplicaId origin, Dot id, P payload, long atMillis) {
        Require.argument(!sentById.containsKey(id), "id", "was broadcast twice: " + id);
        BitSet past = recordCausalPast ? (BitSet) deliveredNow.computeIfAbsent(origin, n -> new BitSet()).clone()
                : null;
        Sent<P> record = new Sent<>(sent.size(), id, origin, payload, atMillis, past);
        sent.add(record);
        sentById.put(id, record);
    }

    /** Records that {@code node} (in its {@code incarnation}) delivered {@code id} carrying {@code payload}. */
    public void recordDelivery(ReplicaId node, int incarnation, Dot id, P payload, long atMillis) {
        delivered.add(new Delivered<>(node, incarnation, id, payload, atMillis));
        Sent<P> record = sentById.get(id);
        if (recordCausalPast && record != null) {
            deliveredNow.computeIfAbsent(node, n -> new BitSet()).set(record.index());
        }
    }

    /** A node restarted knowing {@code recovered} again: its causal knowledge is just those. */
    public void recordRestart(ReplicaId node, List<Dot> recovered) {
        BitSet known = new BitSet();
        for (Dot id : recovered) {
            Sent<P> record = sentById.get(id);
            if (record != null) {
                known.set(record.index());
            }
        }
        deliveredNow.put(node, known);
    }

    /** True when {@code id} was broadcast. */
    public boolean wasBroadcast(Dot id) {
        return sentById.containsKey(id);
    }

    /** The broadcast named {@code id}, or null. */
    public Sent<P> broadcastOf(Dot id) {
        return sentById.get(id);
    }

    /** Every broadcast, in order. */
    public List<Sent<P>> broadcasts() {
        return Collections.unmodifiableList(sent);
    }

    /** Every delivery, in order. */
    public List<Delivered<P>> deliveries() {
        return Collections.unmodifiableList(delivered);
    }

    /** True when causal pasts are recorded. */
    public boolean recordsCausalPast() {
        return recordCausalPast;
    }
}
