package io.calmdb.replication.broadcast;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.Collection;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The one entry point to the broadcast protocols: static factories returning {@link BroadcastProtocol}s whose
 * implementations stay package-private. Each factory takes the node's own id and the ids of its peers (the node
 * itself may be listed; it is ignored), and protocols that choose peers at random take a seeded generator.
 */
public final class Broadcasts {
    /** Messages in the hold-back buffer now (ordered broadcast). */
    public static final String GAUGE_HOLD_BACK_MESSAGES = "holdBackMessages";
    /** The largest the hold-back buffer has been (ordered broadcast). */
    public static final String GAUGE_HOLD_BACK_HIGH_WATER_MESSAGES = "holdBackHighWaterMessages";
    /** The configured bound of the hold-back buffer (ordered broadcast). */
    public static final String GAUGE_HOLD_BACK_CAPACITY_MESSAGES = "holdBackCapacityMessages";
    /** Messages refused because the hold-back buffer was full (ordered broadcast). */
    public static final String GAUGE_REFUSED_WHILE_FULL = "refusedWhileFull";
    /** Messages awaiting an acknowledgement on some link (reliable and ordered broadcast). */
    public static final String GAUGE_UNACKNOWLEDGED_MESSAGES = "unacknowledgedMessages";
    /** Messages given up because a link's retransmission queue was full. */
    public static final String GAUGE_RETRANSMISSIONS_GIVEN_UP = "retransmissionsGivenUp";
    /** Messages sent again because no acknowledgement came in time. */
    public static final String GAUGE_RESENT = "resent";
    /** Relays sent on first receipt (reliable broadcast). */
    public static final String GAUGE_RELAYED = "relayed";
    /** Duplicate receipts ignored. */
    public static final String GAUGE_DUPLICATES_IGNORED = "duplicatesIgnored";
    /** Ids remembered above the contiguous prefixes (duplicate suppression). */
    public static final String GAUGE_SEEN_ABOVE_FLOOR_IDS = "seenAboveFloorIds";
    /** Rumours still being spread (gossip). */
    public static final String GAUGE_ACTIVE_RUMOURS = "activeRumours";
    /** Rumours retired after their lifetime (gossip). */
    public static final String GAUGE_RETIRED_RUMOURS = "retiredRumours";
    /** Rumours retired early because too many were active (gossip). */
    public static final String GAUGE_RETIRED_EARLY_RUMOURS = "retiredEarlyRumours";
    /** Events retained to answer digests (anti-entropy). */
    public static final String GAUGE_STORED_EVENTS = "storedEvents";
    /** Events waiting in tree queues for the next flush (anti-entropy with a tree). */
    public static final String GAUGE_TREE_QUEUE_EVENTS = "treeQueueEvents";
    /** Events dropped from full tree queues (anti-entropy with a tree). */
    public static final String GAUGE_TREE_QUEUE_DROPS = "treeQueueDrops";
    /** Events shipped in answer to digests (anti-entropy). */
    public static final String GAUGE_REPAIR_EVENTS_SENT = "repairEventsSent";
    /** Received events dropped because the event log was full (anti-entropy). */
    public static final String GAUGE_DROPPED_WHILE_FULL = "droppedWhileFull";

    private Broadcasts() {}

    /** Best-effort broadcast: one send per peer, no relay, no retransmission. */
    public static <P> BroadcastProtocol<RelayMessage<P>, P> bestEffort(ReplicaId self, Collection<ReplicaId> peers) {
        return new BestEffortBroadcast<>(self, peers);
    }

    /**
     * Eager reliable broadcast: a first receipt is relayed to every peer. With {@code retransmitPeriodMillis > 0}
     * each relay is resent every period until acknowledged; with 0 it is sent once (the textbook algorithm, which
     * assumes lossless links).
     */
    public static <P> BroadcastProtocol<RelayMessage<P>, P> reliable(ReplicaId self, Collection<ReplicaId> peers,
            long retransmitPeriodMillis) {
        return new ReliableBroadcast<>(self, peers, retransmitPeriodMillis);
    }

    /**
     * FIFO or causal broadcast over eager relay with retransmission every {@code retransmitPeriodMillis} (> 0), with a
     * hold-back buffer of at most {@code holdBackCapacityMessages} messages.
     */
    public static <P> BroadcastProtocol<RelayMessage<P>, P> ordered(ReplicaId self, Collection<ReplicaId> peers,
            DeliveryOrder order, long retransmitPeriodMillis, int holdBackCapacityMessages) {
        return new OrderedBroadcast<>(self, peers, order, retransmitPeriodMillis, holdBackCapacityMessages);
    }

    /**
     * Causal broadcast for a replica that also repairs by state transfer: only origins send (no relay), the
     * numbering resumes from {@code restoredDelivered} after a restart, and {@link CausalStream#skipTo} absorbs a
     * transferred state.
     */
    public static <P> CausalStream<P> causalStream(ReplicaId self, Collection<ReplicaId> peers,
            long retransmitPeriodMillis, int holdBackCapacityMessages, VersionVector restoredDelivered) {
        return new OrderedBroadcast<>(self, peers, DeliveryOrder.CAUSAL, retransmitPeriodMillis,
                holdBackCapacityMessages, false, restoredDelivered);
    }

    /** Causal broadcast with the largest permitted hold-back buffer. */
    public static <P> BroadcastProtocol<RelayMessage<P>, P> causal(ReplicaId self, Collection<ReplicaId> peers,
            long retransmitPeriodMillis) {
        return ordered(self, peers, DeliveryOrder.CAUSAL, retransmitPeriodMillis,
                OrderedBroadcast.HOLD_BACK_CAPACITY_MAX_MESSAGES);
    }

    /** Gossip (push, pull or push-pull) with peers chosen by {@code random}. */
    public static <P> BroadcastProtocol<GossipMessage<P>, P> gossip(ReplicaId self, Collection<ReplicaId> peers,
            GossipConfig config, RandomGenerator random) {
        return new Gossip<>(self, peers, config, random);
    }

    /** Anti-entropy (optionally with tree push, see {@link AntiEntropyConfig}) starting empty. */
    public static <P> BroadcastProtocol<AntiEntropyMessage<P>, P> antiEntropy(ReplicaId self,
            Collection<ReplicaId> peers, AntiEntropyConfig config, RandomGenerator random) {
        return new AntiEntropy<>(self, peers, config, random, List.of());
    }

    /**
     * Anti-entropy restarted after a crash: {@code recovered} are the events the node had made durable, which it
     * knows again without delivering them a second time; exchanges fetch whatever it lost.
     */
    public static <P> BroadcastProtocol<AntiEntropyMessage<P>, P> antiEntropyRecovered(ReplicaId self,
            Collection<ReplicaId> peers, AntiEntropyConfig config, RandomGenerator random,
            Iterable<AntiEntropyMessage.Event<P>> recovered) {
        return new AntiEntropy<>(self, peers, config, random, recovered);
    }
}
