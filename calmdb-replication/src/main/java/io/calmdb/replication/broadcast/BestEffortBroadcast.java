package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.Collection;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Best-effort broadcast: the origin sends its payload once to every peer and nobody relays. If the origin crashes
 * midway or a link drops the message, some peers never deliver it. Receivers ignore duplicates, so the network
 * duplicating a message never causes a second delivery.
 */
final class BestEffortBroadcast<P> implements BroadcastProtocol<RelayMessage<P>, P> {
    private final Peers peers;
    private final DeliveredSet delivered = new DeliveredSet();
    private long sequence;
    private long duplicatesIgnored;

    BestEffortBroadcast(ReplicaId self, Collection<ReplicaId> peers) {
        this.peers = new Peers(self, peers);
    }

    @Override
    public ReplicaId self() {
        return peers.self();
    }

    @Override
    public void start(long nowMillis, Outbox<RelayMessage<P>, P> out) {
        // Nothing to arm: best-effort broadcast has no timers.
    }

    @Override
    public Dot broadcast(P payload, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        Dot id = Dot.of(self(), ++sequence);
        delivered.add(id);
        out.deliver(id, payload);
        RelayMessage.Data<P> data = new RelayMessage.Data<>(id, VersionVector.empty(), payload);
        for (ReplicaId peer : peers.all()) {
            out.send(peer, data);
        }
        return id;
    }

    @Override
    public void receive(ReplicaId from, RelayMessage<P> message, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        if (message instanceof RelayMessage.Data<P> data) {
            if (delivered.add(data.id())) {
                out.deliver(data.id(), data.payload());
            } else {
                duplicatesIgnored++;
            }
        }
    }

    @Override
    public void tick(long nowMillis, Outbox<RelayMessage<P>, P> out) {
        // No timers.
    }

    @Override
    public SortedMap<String, Long> gauges() {
        SortedMap<String, Long> gauges = new TreeMap<>();
        gauges.put(Broadcasts.GAUGE_DUPLICATES_IGNORED, duplicatesIgnored);
        gauges.put(Broadcasts.GAUGE_SEEN_ABOVE_FLOOR_IDS, delivered.idsAboveFloors());
        return gauges;
    }
}
