package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Epidemic dissemination by rumour mongering (Demers et al., "Epidemic algorithms for replicated database
 * maintenance", PODC 1987). Once per period a node contacts {@code fanout} peers chosen uniformly at random: with
 * push it sends its active rumours, with pull it asks for what it lacks, with push-pull it does both. A node that
 * learns a rumour delivers it and spreads it for {@code rumourLifetimeRounds} rounds, then retires it.
 *
 * <p>Rounds are aligned to multiples of the period in the driver's time, so with link latency below one period
 * every node acts in lock step, as in the synchronous model in which push needs between
 * {@code floor(log2 n) + ln n - 1.116} and {@code ceil(log2 n) + ln n + 2.765} rounds in expectation (Doerr and
 * Kuennemann, "Tight analysis of randomized rumor spreading in complete graphs", ANALCO 2014).
 *
 * <p>Randomness comes only from the generator passed in, so a seeded generator makes a run reproducible. Active
 * rumours are bounded by {@link #ACTIVE_RUMOURS_MAX}; past it the oldest retires early.
 */
final class Gossip<P> implements BroadcastProtocol<GossipMessage<P>, P> {
    /** Rumours a node spreads at once; the oldest retires early when more arrive. */
    static final int ACTIVE_RUMOURS_MAX = 65_536;
    /** Rumours carried by one message; a node with more active rumours sends the most recent ones. */
    static final int RUMOURS_PER_MESSAGE_MAX = 1024;

    private static final class Active<P> {
        final GossipMessage.Rumour<P> rumour;
        int roundsLeft;

        Active(GossipMessage.Rumour<P> rumour, int roundsLeft) {
            this.rumour = rumour;
            this.roundsLeft = roundsLeft;
        }
    }

    private final Peers peers;
    private final GossipConfig config;
    private final RandomGenerator random;
    private final DeliveredSet delivered = new DeliveredSet();
    private final LinkedHashMap<Dot, Active<P>> active = new LinkedHashMap<>();
    private final Alarm alarm = new Alarm();
    private long sequence;
    private long retired;
    private long retiredEarly;
    private long duplicatesIgnored;

    Gossip(ReplicaId self, Collection<ReplicaId> peers, GossipConfig config, RandomGenerator random) {
        this.peers = new Peers(self, peers);
        this.config = Require.notNull(config, "config");
        this.random = Require.notNull(random, "random");
    }

    @Override
    public ReplicaId self() {
        return peers.self();
    }

    @Override
    public void start(long nowMillis, Outbox<GossipMessage<P>, P> out) {
        if (config.style() != GossipConfig.Style.PUSH) {
            // Pulling nodes ask every round whether or not they know anything yet.
            scheduleNextRound(nowMillis, out);
        }
    }

    @Override
    public Dot broadcast(P payload, long nowMillis, Outbox<GossipMessage<P>, P> out) {
        Dot id = Dot.of(self(), ++sequence);
        learn(new GossipMessage.Rumour<>(id, payload), nowMillis, out);
        return id;
    }

    private boolean learn(GossipMessage.Rumour<P> rumour, long nowMillis, Outbox<GossipMessage<P>, P> out) {
        if (!delivered.add(rumour.id())) {
            duplicatesIgnored++;
            return false;
        }
        out.deliver(rumour.id(), rumour.payload());
        active.put(rumour.id(), new Active<>(rumour, config.rumourLifetimeRounds()));
        if (active.size() > ACTIVE_RUMOURS_MAX) {
            Iterator<Dot> oldest = active.keySet().iterator();
            oldest.next();
            oldest.remove();
            retiredEarly++;
        }
        scheduleNextRound(nowMillis, out);
        return true;
    }

    private void scheduleNextRound(long nowMillis, Outbox<GossipMessage<P>, P> out) {
        long period = config.periodMillis();
        alarm.request((Math.floorDiv(nowMillis, period) + 1) * period, out);
    }

    @Override
    public void receive(ReplicaId from, GossipMessage<P> message, long nowMillis, Outbox<GossipMessage<P>, P> out) {
        for (GossipMessage.Rumour<P> rumour : message.rumours()) {
            learn(rumour, nowMillis, out);
        }
        if (message.wantsReply()) {
            List<GossipMessage.Rumour<P>> missing = new ArrayList<>();
            VersionVector seen = message.seen();
            Set<Dot> sentToUs = new HashSet<>();
            for (GossipMessage.Rumour<P> rumour : message.rumours()) {
                sentToUs.add(rumour.id());
            }
            for (Active<P> candidate : active.values()) {
                Dot id = candidate.rumour.id();
                if (id.counter() > seen.get(id.replica()) && !sentToUs.contains(id)
                        && missing.size() < RUMOURS_PER_MESSAGE_MAX) {
                    missing.add(candidate.rumour);
                }
            }
            if (!missing.isEmpty()) {
                out.send(from, new GossipMessage<>(missing, null));
            }
        }
    }

    @Override
    public void tick(long nowMillis, Outbox<GossipMessage<P>, P> out) {
        alarm.ticked(nowMillis);
        if (nowMillis % config.periodMillis() != 0) {
            // A stray wake-up between rounds: rounds happen only on period boundaries.
            scheduleNextRound(nowMillis, out);
            return;
        }
        GossipConfig.Style style = config.style();
        List<GossipMessage.Rumour<P>> rumours = style == GossipConfig.Style.PULL ? List.of() : activeRumours();
        VersionVector seen = style == GossipConfig.Style.PUSH ? null : delivered.floors();
        if (!rumours.isEmpty() || seen != null) {
            GossipMessage<P> message = new GossipMessage<>(rumours, seen);
            for (ReplicaId peer : peers.sample(config.fanout(), random)) {
                out.send(peer, message);
            }
        }
        for (Iterator<Active<P>> it = active.values().iterator(); it.hasNext(); ) {
            Active<P> rumour = it.next();
            if (--rumour.roundsLeft <= 0) {
                it.remove();
                retired++;
            }
        }
        if (style != GossipConfig.Style.PUSH || !active.isEmpty()) {
            scheduleNextRound(nowMillis, out);
        }
    }

    private List<GossipMessage.Rumour<P>> activeRumours() {
        int skip = Math.max(0, active.size() - RUMOURS_PER_MESSAGE_MAX);
        List<GossipMessage.Rumour<P>> rumours = new ArrayList<>(active.size() - skip);
        for (Active<P> rumour : active.values()) {
            if (skip > 0) {
                skip--;
            } else {
                rumours.add(rumour.rumour);
            }
        }
        return rumours;
    }

    @Override
    public SortedMap<String, Long> gauges() {
        SortedMap<String, Long> gauges = new TreeMap<>();
        gauges.put(Broadcasts.GAUGE_ACTIVE_RUMOURS, (long) active.size());
        gauges.put(Broadcasts.GAUGE_RETIRED_RUMOURS, retired);
        gauges.put(Broadcasts.GAUGE_RETIRED_EARLY_RUMOURS, retiredEarly);
        gauges.put(Broadcasts.GAUGE_DUPLICATES_IGNORED, duplicatesIgnored);
        gauges.put(Broadcasts.GAUGE_SEEN_ABOVE_FLOOR_IDS, delivered.idsAboveFloors());
        return gauges;
    }

}
