package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.Collection;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Eager reliable broadcast: the first time a node receives a payload it delivers it and relays it to every other
 * peer, so if the origin crashes after reaching even one correct node, every correct node still gets it (Cachin,
 * Guerraoui and Rodrigues, 2011, algorithm 3.3 "Eager Reliable Broadcast"). It costs O(n squared) messages per
 * broadcast.
 *
 * <p>With a retransmission period above zero, every relay goes over a {@link RetransmissionQueue}, so that a link
 * which loses messages, or is cut by a partition that later heals, still carries the payload eventually. With a
 * period of zero the protocol is the textbook one, which assumes links that never lose a message.
 */
final class ReliableBroadcast<P> implements BroadcastProtocol<RelayMessage<P>, P> {
    private final Peers peers;
    private final DeliveredSet delivered = new DeliveredSet();
    private final RetransmissionQueue<P> retransmissions;
    private final Alarm alarm = new Alarm();
    private long sequence;
    private long relayed;

    ReliableBroadcast(ReplicaId self, Collection<ReplicaId> peers, long retransmitPeriodMillis) {
        Require.argument(retransmitPeriodMillis >= 0, "retransmitPeriodMillis", "must be >= 0, got "
                + retransmitPeriodMillis);
        this.peers = new Peers(self, peers);
        this.retransmissions = retransmitPeriodMillis > 0 ? new RetransmissionQueue<>(retransmitPeriodMillis) : null;
    }

    @Override
    public ReplicaId self() {
        return peers.self();
    }

    @Override
    public void start(long nowMillis, Outbox<RelayMessage<P>, P> out) {
        // Timers are armed when the first message awaits an acknowledgement.
    }

    @Override
    public Dot broadcast(P payload, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        Dot id = Dot.of(self(), ++sequence);
        delivered.add(id);
        out.deliver(id, payload);
        relay(new RelayMessage.Data<>(id, VersionVector.empty(), payload), null, nowMillis, out);
        return id;
    }

    @Override
    public void receive(ReplicaId from, RelayMessage<P> message, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        switch (message) {
            case RelayMessage.Data<P> data -> {
                if (retransmissions != null) {
                    out.send(from, new RelayMessage.Ack<>(data.id()));
                }
                if (delivered.add(data.id())) {
                    out.deliver(data.id(), data.payload());
                    relay(data, from, nowMillis, out);
                }
            }
            case RelayMessage.Ack<P> ack -> {
                if (retransmissions != null) {
                    retransmissions.acknowledge(from, ack.id());
                }
            }
        }
    }

    private void relay(RelayMessage.Data<P> data, ReplicaId receivedFrom, long nowMillis,
            Outbox<RelayMessage<P>, P> out) {
        for (ReplicaId peer : peers.all()) {
            // The origin and the peer we heard it from already have it.
            if (peer.equals(receivedFrom) || peer.equals(data.id().replica())) {
                continue;
            }
            relayed++;
            if (retransmissions != null) {
                retransmissions.sendReliably(peer, data, nowMillis, out);
            } else {
                out.send(peer, data);
            }
        }
        if (retransmissions != null && retransmissions.size() > 0) {
            alarm.request(nowMillis + retransmissions.periodMillis(), out);
        }
    }

    @Override
    public void tick(long nowMillis, Outbox<RelayMessage<P>, P> out) {
        alarm.ticked(nowMillis);
        if (retransmissions != null) {
            long nextDue = retransmissions.resendDue(nowMillis, out);
            if (nextDue >= 0) {
                alarm.request(nextDue, out);
            }
        }
    }

    @Override
    public SortedMap<String, Long> gauges() {
        SortedMap<String, Long> gauges = new TreeMap<>();
        gauges.put(Broadcasts.GAUGE_RELAYED, relayed);
        gauges.put(Broadcasts.GAUGE_SEEN_ABOVE_FLOOR_IDS, delivered.idsAboveFloors());
        if (retransmissions != null) {
            gauges.put(Broadcasts.GAUGE_UNACKNOWLEDGED_MESSAGES, retransmissions.size());
            gauges.put(Broadcasts.GAUGE_RETRANSMISSIONS_GIVEN_UP, retransmissions.givenUp());
            gauges.put(Broadcasts.GAUGE_RESENT, retransmissions.resent());
        }
        return gauges;
    }
}
