package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns fair-loss links into reliable ones for as long as a peer stays reachable: every payload handed to a peer
 * is resent each period until that peer acknowledges it (the "stubborn link" of Cachin, Guerraoui and Rodrigues,
 * <i>Introduction to Reliable and Secure Distributed Programming</i>, 2011, section 2.4). The messages awaiting an
 * acknowledgement are bounded per peer by {@link #UNACKNOWLEDGED_PER_PEER_MAX_MESSAGES}; past that the oldest is
 * given up (counted), which only a crashed or long-partitioned peer can cause and which anti-entropy repairs.
 *
 * <p>Each resend doubles the wait before the next one, up to {@link #BACKOFF_DOUBLINGS_MAX} doublings of the period,
 * so a peer that is down for a long time costs a few resends per message rather than one per period.
 */
final class RetransmissionQueue<P> {
    /**
     * Messages kept for one peer until it acknowledges them. At tens of thousands of writes a second a peer an
     * acknowledgement round trip behind holds thousands, and past this bound the stream can no longer repair it
     * (only a full state transfer can), so the bound matches the hold-back buffer's.
     */
    static final int UNACKNOWLEDGED_PER_PEER_MAX_MESSAGES = 65_536;
    /**
     * Payload bytes kept for one peer until it acknowledges them, in bytes: with large values the byte bound, not
     * the message bound, is what keeps a partitioned peer from costing unbounded memory.
     */
    static final long UNACKNOWLEDGED_PER_PEER_MAX_BYTES = 64L * 1024 * 1024;
    /** Messages resent to one peer per period, so a returning peer is not flooded in one burst. */
    static final int RESENDS_PER_PEER_PER_PERIOD_MAX_MESSAGES = 256;
    /** The wait between resends grows to at most the period times 2 to this power (5: 32 periods). */
    static final int BACKOFF_DOUBLINGS_MAX = 5;

    private record Pending<P>(RelayMessage.Data<P> data, long dueMillis, int resends) {}

    private final long periodMillis;
    private final java.util.function.ToLongFunction<P> payloadBytes;
    private final Map<ReplicaId, Long> pendingBytesByPeer = new TreeMap<>();
    private final Map<ReplicaId, LinkedHashMap<Dot, Pending<P>>> byPeer = new TreeMap<>();
    private long size;
    private long givenUp;
    private final Map<ReplicaId, Long> givenUpByPeer = new TreeMap<>();
    private long resent;

    RetransmissionQueue(long periodMillis) {
        this(periodMillis, payload -> 0);
    }

    /** A queue that also bounds each peer's pending payloads by {@code payloadBytes}, their size in bytes. */
    RetransmissionQueue(long periodMillis, java.util.function.ToLongFunction<P> payloadBytes) {
        Require.argument(periodMillis > 0, "periodMillis", "must be > 0, got " + periodMillis);
        this.periodMillis = periodMillis;
        this.payloadBytes = Require.notNull(payloadBytes, "payloadBytes");
    }

    /** Sends {@code data} to {@code peer} now and keeps resending it until {@link #acknowledge}d. */
    void sendReliably(ReplicaId peer, RelayMessage.Data<P> data, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        out.send(peer, data);
        LinkedHashMap<Dot, Pending<P>> pending = byPeer.computeIfAbsent(peer, p -> new LinkedHashMap<>());
        if (pending.put(data.id(), new Pending<>(data, nowMillis + periodMillis, 0)) == null) {
            size++;
            pendingBytesByPeer.merge(peer, payloadBytes.applyAsLong(data.payload()), Long::sum);
        }
        // The newest message always stays, so one payload larger than the byte bound is still offered once.
        while (pending.size() > 1 && (pending.size() > UNACKNOWLEDGED_PER_PEER_MAX_MESSAGES
                || pendingBytesByPeer.getOrDefault(peer, 0L) > UNACKNOWLEDGED_PER_PEER_MAX_BYTES)) {
            Iterator<Pending<P>> oldest = pending.values().iterator();
            Pending<P> dropped = oldest.next();
            oldest.remove();
            pendingBytesByPeer.merge(peer, -payloadBytes.applyAsLong(dropped.data().payload()), Long::sum);
            size--;
            givenUp++;
            givenUpByPeer.merge(peer, 1L, Long::sum);
        }
    }

    void acknowledge(ReplicaId peer, Dot id) {
        LinkedHashMap<Dot, Pending<P>> pending = byPeer.get(peer);
        Pending<P> acknowledged = pending == null ? null : pending.remove(id);
        if (acknowledged != null) {
            size--;
            pendingBytesByPeer.merge(peer, -payloadBytes.applyAsLong(acknowledged.data().payload()), Long::sum);
        }
    }

    /** Resends what is due; returns the earliest time something will be due again, or -1 when nothing waits. */
    long resendDue(long nowMillis, Outbox<RelayMessage<P>, P> out) {
        long nextDue = -1;
        for (Map.Entry<ReplicaId, LinkedHashMap<Dot, Pending<P>>> entry : byPeer.entrySet()) {
            int resentToPeer = 0;
            for (Map.Entry<Dot, Pending<P>> item : entry.getValue().entrySet()) {
                Pending<P> pending = item.getValue();
                if (pending.dueMillis() <= nowMillis && resentToPeer < RESENDS_PER_PEER_PER_PERIOD_MAX_MESSAGES) {
                    out.send(entry.getKey(), pending.data());
                    int resends = pending.resends() + 1;
                    long wait = periodMillis << Math.min(resends, BACKOFF_DOUBLINGS_MAX);
                    item.setValue(new Pending<>(pending.data(), nowMillis + wait, resends));
                    resentToPeer++;
                    resent++;
                }
                long due = item.getValue().dueMillis();
                nextDue = nextDue < 0 ? due : Math.min(nextDue, due);
            }
        }
        return nextDue;
    }

    /**
     * {@code peer} was heard from (its periodic digest arrived), so the link works again: whatever waits for it in
     * backoff becomes due now. Without this a peer back from a long partition would wait up to 32 periods for the
     * messages it missed. Called at the digest rate, not per message, so it cannot cause a resend storm.
     */
    void peerHeard(ReplicaId peer, long nowMillis) {
        LinkedHashMap<Dot, Pending<P>> pending = byPeer.get(peer);
        if (pending == null) {
            return;
        }
        for (Map.Entry<Dot, Pending<P>> item : pending.entrySet()) {
            Pending<P> waiting = item.getValue();
            if (waiting.resends() > 0 && waiting.dueMillis() > nowMillis) {
                item.setValue(new Pending<>(waiting.data(), nowMillis, 0));
            }
        }
    }

    /** The oldest message of {@code origin} still waiting for {@code peer}'s acknowledgement, or null. */
    Dot oldestPending(ReplicaId peer, ReplicaId origin) {
        LinkedHashMap<Dot, Pending<P>> pending = byPeer.get(peer);
        if (pending == null) {
            return null;
        }
        Dot oldest = null;
        for (Dot id : pending.keySet()) {
            if (id.replica().equals(origin) && (oldest == null || id.counter() < oldest.counter())) {
                oldest = id;
                // Insertion order is send order, so the first of the origin is its oldest.
                break;
            }
        }
        return oldest;
    }

    /** How many messages {@code peer} has been given up for (its queue overflowed). */
    long givenUp(ReplicaId peer) {
        Long count = givenUpByPeer.get(peer);
        return count == null ? 0 : count;
    }

    long periodMillis() {
        return periodMillis;
    }

    long size() {
        return size;
    }

    long givenUp() {
        return givenUp;
    }

    long resent() {
        return resent;
    }
}
