package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Anti-entropy by version-vector exchange, optionally with eager push down a spanning tree.
 *
 * <p>Every node keeps the events it knows, per origin, and summarises them as a version vector of contiguous
 * prefixes. Once per period it sends that digest to one random peer; the peer answers with exactly the events the
 * digest shows missing, and, if the digest shows the sender knows more than it does, with its own digest so the
 * sender answers in turn (push-pull anti-entropy, Demers et al., PODC 1987). Because nothing depends on timing, a
 * node back from a long partition, or restarted with some of its events lost, catches up on its next exchanges.
 *
 * <p>With a tree fanout, a node also pushes every event it learns to its tree neighbours except the one it heard
 * it from, like the eager part of Plumtree (Leitao, Pereira and Rodrigues, "Epidemic broadcast trees", SRDS 2007):
 * on a healthy network each event crosses each tree edge once, n - 1 messages in all, or far fewer when events are
 * batched per flush period. Digest exchange is the lazy repair path for whatever a cut tree edge lost.
 *
 * <p>Events are delivered in the order learned (no ordering guarantee), which suits delta-CRDT payloads. The events
 * retained are bounded by {@link #EVENTS_RETAINED_MAX}: a broadcast beyond it is refused, and a received event
 * beyond it is dropped unacknowledged for a later exchange to offer again.
 */
final class AntiEntropy<P> implements BroadcastProtocol<AntiEntropyMessage<P>, P> {
    /** Events kept to answer peers' digests, over all origins. */
    static final int EVENTS_RETAINED_MAX = 1 << 20;
    /** Events in one message; a larger gap is filled over several exchanges. */
    static final int EVENTS_PER_MESSAGE_MAX = 512;
    /** Events queued for one tree neighbour; past it the oldest is dropped and left to repair. */
    static final int TREE_QUEUE_MAX_EVENTS = 16_384;

    private record Stored<P>(P payload, long learnedAtMillis) {}

    private static final class Origin<P> {
        long contiguous;
        final TreeMap<Long, Stored<P>> events = new TreeMap<>();
    }

    private final Peers peers;
    private final AntiEntropyConfig config;
    private final RandomGenerator random;
    private final Map<ReplicaId, Origin<P>> origins = new TreeMap<>();
    private final List<ReplicaId> treeNeighbours;
    private final Map<ReplicaId, ArrayDeque<AntiEntropyMessage.Event<P>>> treeQueues = new HashMap<>();
    private final Alarm alarm = new Alarm();
    private long storedEvents;
    private long nextExchangeMillis = -1;
    private long nextFlushMillis = -1;
    private long repairEventsSent;
    private long duplicatesIgnored;
    private long droppedWhileFull;
    private long treeQueueDrops;

    AntiEntropy(ReplicaId self, Collection<ReplicaId> peers, AntiEntropyConfig config, RandomGenerator random,
            Iterable<AntiEntropyMessage.Event<P>> recovered) {
        this.peers = new Peers(self, peers);
        this.config = Require.notNull(config, "config");
        this.random = Require.notNull(random, "random");
        this.treeNeighbours = config.treeFanout() == 0 ? List.of()
                : treeNeighbours(self, this.peers.membersWithSelf(), config.treeFanout());
        for (ReplicaId neighbour : treeNeighbours) {
            treeQueues.put(neighbour, new ArrayDeque<>());
        }
        for (AntiEntropyMessage.Event<P> event : Require.notNull(recovered, "recovered")) {
            store(event, Long.MIN_VALUE / 2);
        }
    }

    private static List<ReplicaId> treeNeighbours(ReplicaId self, List<ReplicaId> sorted, int fanout) {
        int index = java.util.Collections.binarySearch(sorted, self);
        List<ReplicaId> neighbours = new ArrayList<>();
        if (index > 0) {
            neighbours.add(sorted.get((index - 1) / fanout));
        }
        for (int child = index * fanout + 1; child <= index * fanout + fanout && child < sorted.size(); child++) {
            neighbours.add(sorted.get(child));
        }
        return List.copyOf(neighbours);
    }

    @Override
    public ReplicaId self() {
        return peers.self();
    }

    @Override
    public void start(long nowMillis, Outbox<AntiEntropyMessage<P>, P> out) {
        // A random phase spreads the exchanges of different nodes over the period.
        nextExchangeMillis = nowMillis + 1 + random.nextLong(config.exchangePeriodMillis());
        alarm.request(nextExchangeMillis, out);
    }

    @Override
    public Dot broadcast(P payload, long nowMillis, Outbox<AntiEntropyMessage<P>, P> out) {
        if (storedEvents >= EVENTS_RETAINED_MAX) {
            throw new IllegalStateException("anti-entropy event log is full (" + EVENTS_RETAINED_MAX
                    + " events); the caller must slow down until older events can be dropped");
        }
        Origin<P> own = origins.computeIfAbsent(self(), replica -> new Origin<>());
        long counter = own.events.isEmpty() ? own.contiguous + 1 : Math.max(own.contiguous, own.events.lastKey()) + 1;
        AntiEntropyMessage.Event<P> event = new AntiEntropyMessage.Event<>(Dot.of(self(), counter), payload);
        store(event, nowMillis);
        out.deliver(event.id(), payload);
        pushDownTree(event, null);
        afterInput(nowMillis, out);
        return event.id();
    }

    /** Stores {@code event} if new; returns false when it was known already or there is no room. */
    private boolean store(AntiEntropyMessage.Event<P> event, long nowMillis) {
        Origin<P> origin = origins.computeIfAbsent(event.id().replica(), replica -> new Origin<>());
        long counter = event.id().counter();
        if (origin.events.containsKey(counter)) {
            duplicatesIgnored++;
            return false;
        }
        if (storedEvents >= EVENTS_RETAINED_MAX) {
            droppedWhileFull++;
            return false;
        }
        origin.events.put(counter, new Stored<>(event.payload(), nowMillis));
        storedEvents++;
        while (origin.events.containsKey(origin.contiguous + 1)) {
            origin.contiguous++;
        }
        return true;
    }

    private void pushDownTree(AntiEntropyMessage.Event<P> event, ReplicaId receivedFrom) {
        for (ReplicaId neighbour : treeNeighbours) {
            if (neighbour.equals(receivedFrom) || neighbour.equals(event.id().replica())) {
                continue;
            }
            ArrayDeque<AntiEntropyMessage.Event<P>> queue = treeQueues.get(neighbour);
            queue.addLast(event);
            if (queue.size() > TREE_QUEUE_MAX_EVENTS) {
                queue.removeFirst();
                treeQueueDrops++;
            }
        }
    }

    @Override
    public void receive(ReplicaId from, AntiEntropyMessage<P> message, long nowMillis,
            Outbox<AntiEntropyMessage<P>, P> out) {
        switch (message) {
            case AntiEntropyMessage.Events<P> events -> {
                for (AntiEntropyMessage.Event<P> event : events.events()) {
                    if (store(event, nowMillis)) {
                        out.deliver(event.id(), event.payload());
                        pushDownTree(event, from);
                    }
                }
            }
            case AntiEntropyMessage.Digest<P> digest -> answer(from, digest, nowMillis, out);
        }
        afterInput(nowMillis, out);
    }

    private void answer(ReplicaId from, AntiEntropyMessage.Digest<P> digest, long nowMillis,
            Outbox<AntiEntropyMessage<P>, P> out) {
        VersionVector theirs = digest.seen();
        List<AntiEntropyMessage.Event<P>> missing = new ArrayList<>();
        for (Map.Entry<ReplicaId, Origin<P>> entry : origins.entrySet()) {
            long known = theirs.get(entry.getKey());
            for (Map.Entry<Long, Stored<P>> event : entry.getValue().events.tailMap(known, false).entrySet()) {
                if (missing.size() >= EVENTS_PER_MESSAGE_MAX) {
                    break;
                }
                if (event.getValue().learnedAtMillis() + config.repairGraceMillis() <= nowMillis) {
                    missing.add(new AntiEntropyMessage.Event<>(Dot.of(entry.getKey(), event.getKey()),
                            event.getValue().payload()));
                }
            }
        }
        if (!missing.isEmpty()) {
            repairEventsSent += missing.size();
            out.send(from, new AntiEntropyMessage.Events<>(missing));
        }
        if (digest.replyWanted()) {
            VersionVector mine = contiguousPrefixes();
            if (!mine.dominates(theirs)) {
                out.send(from, new AntiEntropyMessage.Digest<>(mine, false));
            }
        }
    }

    private VersionVector contiguousPrefixes() {
        VersionVector vector = VersionVector.empty();
        for (Map.Entry<ReplicaId, Origin<P>> entry : origins.entrySet()) {
            vector = vector.with(entry.getKey(), entry.getValue().contiguous);
        }
        return vector;
    }

    @Override
    public void tick(long nowMillis, Outbox<AntiEntropyMessage<P>, P> out) {
        alarm.ticked(nowMillis);
        if (nextExchangeMillis >= 0 && nowMillis >= nextExchangeMillis) {
            if (peers.size() > 0) {
                ReplicaId peer = peers.sample(1, random).get(0);
                out.send(peer, new AntiEntropyMessage.Digest<>(contiguousPrefixes(), true));
            }
            nextExchangeMillis = nowMillis + config.exchangePeriodMillis();
        }
        if (nextFlushMillis >= 0 && nowMillis >= nextFlushMillis) {
            nextFlushMillis = -1;
            flushTreeQueues(out);
        }
        afterInput(nowMillis, out);
    }

    /** Flushes the tree queues now or arms the flush timer, and re-arms the exchange timer. */
    private void afterInput(long nowMillis, Outbox<AntiEntropyMessage<P>, P> out) {
        if (config.flushPeriodMillis() == 0) {
            flushTreeQueues(out);
        } else if (nextFlushMillis < 0 && hasQueuedEvents()) {
            nextFlushMillis = nowMillis + config.flushPeriodMillis();
        }
        if (nextFlushMillis >= 0) {
            alarm.request(nextFlushMillis, out);
        }
        if (nextExchangeMillis >= 0) {
            alarm.request(nextExchangeMillis, out);
        }
    }

    private boolean hasQueuedEvents() {
        for (ArrayDeque<AntiEntropyMessage.Event<P>> queue : treeQueues.values()) {
            if (!queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void flushTreeQueues(Outbox<AntiEntropyMessage<P>, P> out) {
        for (ReplicaId neighbour : treeNeighbours) {
            ArrayDeque<AntiEntropyMessage.Event<P>> queue = treeQueues.get(neighbour);
            if (queue.isEmpty()) {
                continue;
            }
            List<AntiEntropyMessage.Event<P>> batch = new ArrayList<>(Math.min(queue.size(), EVENTS_PER_MESSAGE_MAX));
            while (!queue.isEmpty() && batch.size() < EVENTS_PER_MESSAGE_MAX) {
                batch.add(queue.removeFirst());
            }
            out.send(neighbour, new AntiEntropyMessage.Events<>(batch));
        }
    }

    @Override
    public SortedMap<String, Long> gauges() {
        SortedMap<String, Long> gauges = new TreeMap<>();
        long queued = 0;
        for (ArrayDeque<AntiEntropyMessage.Event<P>> queue : treeQueues.values()) {
            queued += queue.size();
        }
        gauges.put(Broadcasts.GAUGE_STORED_EVENTS, storedEvents);
        gauges.put(Broadcasts.GAUGE_TREE_QUEUE_EVENTS, queued);
        gauges.put(Broadcasts.GAUGE_TREE_QUEUE_DROPS, treeQueueDrops);
        gauges.put(Broadcasts.GAUGE_REPAIR_EVENTS_SENT, repairEventsSent);
        gauges.put(Broadcasts.GAUGE_DUPLICATES_IGNORED, duplicatesIgnored);
        gauges.put(Broadcasts.GAUGE_DROPPED_WHILE_FULL, droppedWhileFull);
        return gauges;
    }
}
