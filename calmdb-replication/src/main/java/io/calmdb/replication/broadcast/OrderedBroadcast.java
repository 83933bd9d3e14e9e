package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.Collection;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * FIFO or causal broadcast over eager reliable relay with retransmission.
 *
 * <p>Each node keeps a vector clock {@code delivered}: how many messages of each origin it has delivered. A message
 * carries its origin's clock at the time of sending. Causal delivery (Birman, Schiper and Stephenson, "Lightweight
 * causal and atomic group multicast", ACM TOCS 1991) delivers message {@code m} from origin {@code j} when it is the
 * next one from {@code j} ({@code m.clock[j] == delivered[j] + 1}) and nothing it depends on from anyone else is
 * missing ({@code m.clock[i] <= delivered[i]} for every other {@code i}); FIFO delivery checks only the first
 * condition. A message that is not yet deliverable waits in the hold-back buffer and is re-examined after each
 * delivery.
 *
 * <p>The hold-back buffer holds at most the configured capacity (at most {@link #HOLD_BACK_CAPACITY_MAX_MESSAGES}).
 * When it is full, a message that cannot be delivered at once is refused without an acknowledgement, so its sender
 * retransmits it later: back-pressure through the retransmission queue rather than unbounded memory.
 */
final class OrderedBroadcast<P> implements CausalStream<P> {
    /** The largest hold-back buffer a node may be configured with, in messages. */
    static final int HOLD_BACK_CAPACITY_MAX_MESSAGES = 65_536;

    private final Peers peers;
    private final DeliveryOrder order;
    private final int holdBackCapacityMessages;
    private final boolean relayReceived;
    private final RetransmissionQueue<P> retransmissions;
    private final Alarm alarm = new Alarm();
    // Held-back messages per origin, by counter. Only an origin's lowest held-back message can be the next one it
    // delivers, so finding what became deliverable looks at one message per origin, not at the whole buffer (a
    // full buffer is tens of thousands of messages, and a scan per delivery made filling one gap quadratic). The
    // sorted maps keep the order deterministic. Bounded in total by holdBackCapacityMessages.
    private final TreeMap<ReplicaId, TreeMap<Long, RelayMessage.Data<P>>> holdBack = new TreeMap<>();
    private int holdBackSize;
    private VersionVector delivered = VersionVector.empty();
    private long holdBackHighWater;
    private long refusedWhileFull;

    OrderedBroadcast(ReplicaId self, Collection<ReplicaId> peers, DeliveryOrder order, long retransmitPeriodMillis,
            int holdBackCapacityMessages) {
        this(self, peers, order, retransmitPeriodMillis, holdBackCapacityMessages, true, VersionVector.empty());
    }

    /**
     * @param relayReceived whether a first receipt is relayed to every other peer (eager reliable broadcast, which
     *     survives an origin crash midway) or only the origin sends (half the traffic; a node that runs
     *     anti-entropy beside the broadcast repairs what an origin crash leaves undelivered)
     * @param restoredDelivered what this node had delivered before a restart, so its own numbering continues
     *     where it stopped and old messages are recognised as duplicates
     */
    OrderedBroadcast(ReplicaId self, Collection<ReplicaId> peers, DeliveryOrder order, long retransmitPeriodMillis,
            int holdBackCapacityMessages, boolean relayReceived, VersionVector restoredDelivered) {
        this.peers = new Peers(self, peers);
        this.relayReceived = relayReceived;
        this.delivered = Require.notNull(restoredDelivered, "restoredDelivered");
        this.order = Require.notNull(order, "order");
        Require.argument(retransmitPeriodMillis > 0, "retransmitPeriodMillis",
                "must be > 0: ordered delivery waits for every gap to be filled, so lost messages must be resent; got "
                        + retransmitPeriodMillis);
        Require.argument(holdBackCapacityMessages >= 1 && holdBackCapacityMessages <= HOLD_BACK_CAPACITY_MAX_MESSAGES,
                "holdBackCapacityMessages", "must be in [1, " + HOLD_BACK_CAPACITY_MAX_MESSAGES + "], got "
                        + holdBackCapacityMessages);
        this.holdBackCapacityMessages = holdBackCapacityMessages;
        this.retransmissions = new RetransmissionQueue<>(retransmitPeriodMillis, payload -> payload instanceof byte[] bytes
                ? bytes.length : 0);
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
        Dot id = Dot.of(self(), delivered.get(self()) + 1);
        VersionVector dependencies = order == DeliveryOrder.CAUSAL ? delivered : VersionVector.empty();
        delivered = delivered.with(self(), id.counter());
        out.deliver(id, payload);
        relay(new RelayMessage.Data<>(id, dependencies, payload), null, nowMillis, out);
        return id;
    }

    @Override
    public void receive(ReplicaId from, RelayMessage<P> message, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        switch (message) {
            case RelayMessage.Ack<P> ack -> retransmissions.acknowledge(from, ack.id());
            case RelayMessage.Data<P> data -> receiveData(from, data, nowMillis, out);
        }
    }

    private void receiveData(ReplicaId from, RelayMessage.Data<P> data, long nowMillis,
            Outbox<RelayMessage<P>, P> out) {
        Dot id = data.id();
        if (delivered.contains(id) || isHeldBack(id)) {
            out.send(from, new RelayMessage.Ack<>(id));
            return;
        }
        if (!deliverable(data) && holdBackSize >= holdBackCapacityMessages) {
            // No acknowledgement: the sender keeps the message and offers it again once we may have room.
            refusedWhileFull++;
            return;
        }
        out.send(from, new RelayMessage.Ack<>(id));
        if (relayReceived) {
            relay(data, from, nowMillis, out);
        }
        holdBack.computeIfAbsent(id.replica(), origin -> new TreeMap<>()).put(id.counter(), data);
        holdBackSize++;
        holdBackHighWater = Math.max(holdBackHighWater, holdBackSize);
        deliverWhatIsReady(out);
    }

    private boolean isHeldBack(Dot id) {
        TreeMap<Long, RelayMessage.Data<P>> fromOrigin = holdBack.get(id.replica());
        return fromOrigin != null && fromOrigin.containsKey(id.counter());
    }

    private boolean deliverable(RelayMessage.Data<P> data) {
        ReplicaId origin = data.id().replica();
        if (data.id().counter() != delivered.get(origin) + 1) {
            return false;
        }
        if (order == DeliveryOrder.FIFO) {
            return true;
        }
        boolean[] ready = {true};
        data.dependencies().forEach((replica, counter) -> {
            if (!replica.equals(origin) && delivered.get(replica) < counter) {
                ready[0] = false;
            }
        });
        return ready[0];
    }

    private void deliverWhatIsReady(Outbox<RelayMessage<P>, P> out) {
        boolean progress = true;
        // Each pass delivers at least one message or stops, and looks only at each origin's lowest held-back
        // message, so the work is proportional to the deliveries times the number of origins.
        while (progress && holdBackSize > 0) {
            progress = false;
            for (var origins = holdBack.entrySet().iterator(); origins.hasNext(); ) {
                TreeMap<Long, RelayMessage.Data<P>> fromOrigin = origins.next().getValue();
                RelayMessage.Data<P> head;
                while ((head = fromOrigin.isEmpty() ? null : fromOrigin.firstEntry().getValue()) != null
                        && deliverable(head)) {
                    fromOrigin.pollFirstEntry();
                    holdBackSize--;
                    delivered = delivered.with(head.id().replica(), head.id().counter());
                    out.deliver(head.id(), head.payload());
                    progress = true;
                }
                if (fromOrigin.isEmpty()) {
                    origins.remove();
                }
            }
        }
    }

    private void relay(RelayMessage.Data<P> data, ReplicaId receivedFrom, long nowMillis,
            Outbox<RelayMessage<P>, P> out) {
        for (ReplicaId peer : peers.all()) {
            if (peer.equals(receivedFrom) || peer.equals(data.id().replica())) {
                continue;
            }
            retransmissions.sendReliably(peer, data, nowMillis, out);
        }
        if (retransmissions.size() > 0) {
            alarm.request(nowMillis + retransmissions.periodMillis(), out);
        }
    }

    @Override
    public VersionVector delivered() {
        return delivered;
    }

    @Override
    public void skipTo(VersionVector covered, Outbox<RelayMessage<P>, P> out) {
        Require.notNull(covered, "covered");
        delivered = delivered.merge(covered);
        // Held-back messages the covered state already includes are dropped, not delivered: their effects arrived
        // with the state. Later ones may have become deliverable.
        for (var origins = holdBack.entrySet().iterator(); origins.hasNext(); ) {
            var entry = origins.next();
            var absorbed = entry.getValue().headMap(delivered.get(entry.getKey()), true);
            holdBackSize -= absorbed.size();
            absorbed.clear();
            if (entry.getValue().isEmpty()) {
                origins.remove();
            }
        }
        deliverWhatIsReady(out);
    }

    @Override
    public void peerHeard(ReplicaId peer, long nowMillis, Outbox<RelayMessage<P>, P> out) {
        retransmissions.peerHeard(peer, nowMillis);
        alarm.request(nowMillis, out);
    }

    @Override
    public boolean received(Dot id) {
        return delivered.contains(id) || isHeldBack(id);
    }

    @Override
    public void forEachHeldBack(java.util.function.Consumer<P> action) {
        for (TreeMap<Long, RelayMessage.Data<P>> fromOrigin : holdBack.values()) {
            for (RelayMessage.Data<P> data : fromOrigin.values()) {
                action.accept(data.payload());
            }
        }
    }

    @Override
    public boolean canResendAfter(ReplicaId peer, long peerDeliveredFromSelf) {
        long sent = delivered.get(self());
        if (peerDeliveredFromSelf >= sent) {
            return true;
        }
        Dot oldest = retransmissions.oldestPending(peer, self());
        // Everything after the peer's position must still be queued: the oldest queued message is the next one it
        // needs. The queue drops its oldest entries when it overflows, which is exactly when this turns false.
        return oldest != null && oldest.counter() <= peerDeliveredFromSelf + 1;
    }

    @Override
    public void tick(long nowMillis, Outbox<RelayMessage<P>, P> out) {
        alarm.ticked(nowMillis);
        long nextDue = retransmissions.resendDue(nowMillis, out);
        if (nextDue >= 0) {
            alarm.request(nextDue, out);
        }
    }

    @Override
    public SortedMap<String, Long> gauges() {
        SortedMap<String, Long> gauges = new TreeMap<>();
        gauges.put(Broadcasts.GAUGE_HOLD_BACK_MESSAGES, (long) holdBackSize);
        gauges.put(Broadcasts.GAUGE_HOLD_BACK_HIGH_WATER_MESSAGES, holdBackHighWater);
        gauges.put(Broadcasts.GAUGE_HOLD_BACK_CAPACITY_MESSAGES, (long) holdBackCapacityMessages);
        gauges.put(Broadcasts.GAUGE_REFUSED_WHILE_FULL, refusedWhileFull);
        gauges.put(Broadcasts.GAUGE_UNACKNOWLEDGED_MESSAGES, retransmissions.size());
        gauges.put(Broadcasts.GAUGE_RETRANSMISSIONS_GIVEN_UP, retransmissions.givenUp());
        gauges.put(Broadcasts.GAUGE_RESENT, retransmissions.resent());
        return gauges;
    }
}
