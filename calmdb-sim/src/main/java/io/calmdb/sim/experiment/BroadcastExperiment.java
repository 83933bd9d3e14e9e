package io.calmdb.sim.experiment;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.GossipConfig;
import io.calmdb.sim.BroadcastCluster;
import io.calmdb.sim.DeliveryLog;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Simulation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Delivery ratio of best-effort, eager reliable (with and without retransmission) and push-pull gossip when every
 * link loses 20% of messages and one sender crashes halfway through a broadcast.
 */
final class BroadcastExperiment implements Experiment {
    static final int DEFAULT_NODES = 10;
    static final int DEFAULT_SEEDS = 200;
    static final double LOSS_RATE = 0.2;
    static final int BROADCASTS = 20;
    static final long BROADCAST_WINDOW_MILLIS = 2_000;
    static final long CRASH_AT_MILLIS = 1_000;
    static final long RUN_MILLIS = 30_000;
    static final long RETRANSMIT_PERIOD_MILLIS = 200;

    enum Protocol {
        BEST_EFFORT("best-effort"),
        RELIABLE_EAGER("reliable (eager relay)"),
        RELIABLE_RETRANSMIT("reliable + retransmit"),
        GOSSIP_PUSH_PULL("gossip push-pull");

        final String label;

        Protocol(String label) {
            this.label = label;
        }
    }

    @Override
    public String name() {
        return "broadcast";
    }

    @Override
    public String summary() {
        return "delivery ratio of best-effort, reliable and gossip broadcast under 20% loss and a sender crash";
    }

    record Run(long deliveredToCorrect, long expected, long crashedMessageReached, long crashedMessageExpected,
            long completeBroadcasts, long broadcasts, long messages) {}

    static Run run(long seed, int nodes, Protocol protocol) {
        Simulation simulation = Simulation.create(seed);
        List<ReplicaId> members = Nodes.named(nodes);
        NetworkConfig network = NetworkConfig.perfect(LatencyModel.uniform(10, 100)).withLoss(LOSS_RATE);
        GossipConfig gossip = new GossipConfig(GossipConfig.Style.PUSH_PULL, 2, 100,
                GossipConfig.lifetimeRoundsFor(nodes, 4));
        BroadcastCluster<Object, String> cluster = BroadcastCluster.create(simulation, network, members,
                (self, all, recovered, random) -> cast(switch (protocol) {
                    case BEST_EFFORT -> Broadcasts.<String>bestEffort(self, all);
                    case RELIABLE_EAGER -> Broadcasts.<String>reliable(self, all, 0);
                    case RELIABLE_RETRANSMIT -> Broadcasts.<String>reliable(self, all, RETRANSMIT_PERIOD_MILLIS);
                    case GOSSIP_PUSH_PULL -> Broadcasts.<String>gossip(self, all, gossip, random);
                }), 0, false);
        cluster.start();
        ReplicaId crashing = members.get(simulation.random().nextInt(nodes));
        for (int i = 0; i < BROADCASTS; i++) {
            ReplicaId origin = members.get(simulation.random().nextInt(nodes));
            long at = simulation.random().nextLong(BROADCAST_WINDOW_MILLIS);
            if (origin.equals(crashing) && at >= CRASH_AT_MILLIS) {
                at = simulation.random().nextLong(CRASH_AT_MILLIS);
            }
            cluster.broadcastAt(at, origin, "m" + i);
        }
        // Gossip sends on its next round, so "midway" there means crashing right after the first exchange.
        if (protocol == Protocol.GOSSIP_PUSH_PULL) {
            cluster.broadcastAt(CRASH_AT_MILLIS, crashing, "crash");
            cluster.crashAt(CRASH_AT_MILLIS + 101, crashing);
        } else {
            cluster.crashDuringBroadcastAt(CRASH_AT_MILLIS, crashing, "crash", (nodes - 1) / 2);
        }
        simulation.runUntil(RUN_MILLIS);
        List<ReplicaId> correct = cluster.correctNodes();
        DeliveryLog<String> log = cluster.log();
        Map<Dot, Set<ReplicaId>> reached = new HashMap<>();
        for (DeliveryLog.Delivered<String> delivery : log.deliveries()) {
            if (correct.contains(delivery.node())) {
                reached.computeIfAbsent(delivery.id(), id -> new HashSet<>()).add(delivery.node());
            }
        }
        long delivered = 0;
        long complete = 0;
        long crashedReached = 0;
        for (DeliveryLog.Sent<String> sent : log.broadcasts()) {
            int count = reached.getOrDefault(sent.id(), Set.of()).size();
            delivered += count;
            complete += count == correct.size() ? 1 : 0;
            if (sent.payload().equals("crash")) {
                crashedReached = count;
            }
        }
        return new Run(delivered, (long) log.broadcasts().size() * correct.size(), crashedReached, correct.size(),
                complete, log.broadcasts().size(), cluster.network().stats().sent());
    }

    @SuppressWarnings("unchecked")
    private static io.calmdb.replication.broadcast.BroadcastProtocol<Object, String> cast(
            io.calmdb.replication.broadcast.BroadcastProtocol<?, String> protocol) {
        // Each cluster runs one protocol, so its messages all have that protocol's type; Object merely lets one
        // factory switch between protocols.
        return (io.calmdb.replication.broadcast.BroadcastProtocol<Object, String>) protocol;
    }

    @Override
    public ExperimentResult run(ExperimentOptions options, ProgressListener progress) {
        int nodes = options.nodesOr(DEFAULT_NODES);
        if (nodes < 3) {
            throw new IllegalArgumentException("nodes must be >= 3 for this experiment, got " + nodes);
        }
        int seeds = options.seedsOr(DEFAULT_SEEDS);
        long total = (long) seeds * Protocol.values().length;
        long done = 0;
        List<List<Object>> rows = new ArrayList<>();
        for (Protocol protocol : Protocol.values()) {
            long delivered = 0, expected = 0, crashedReached = 0, crashedExpected = 0, complete = 0, broadcasts = 0;
            long messages = 0;
            for (int i = 0; i < seeds; i++) {
                Run run = run(options.seed() + i, nodes, protocol);
                delivered += run.deliveredToCorrect();
                expected += run.expected();
                crashedReached += run.crashedMessageReached();
                crashedExpected += run.crashedMessageExpected();
                complete += run.completeBroadcasts();
                broadcasts += run.broadcasts();
                messages += run.messages();
                progress.progress(++done, total);
            }
            rows.add(List.of(protocol.label, percent(delivered, expected), percent(complete, broadcasts),
                    percent(crashedReached, crashedExpected),
                    Statistics.round((double) messages / broadcasts, 1)));
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("nodes", nodes);
        parameters.put("seeds", seeds);
        parameters.put("firstSeed", options.seed());
        parameters.put("lossRate", LOSS_RATE);
        parameters.put("latencyMillis", "uniform 10..100");
        parameters.put("broadcastsPerSeed", BROADCASTS + 1);
        Table table = new Table("Delivery under " + Math.round(LOSS_RATE * 100) + "% loss and a sender crash midway",
                List.of("protocol", "delivered (of correct x sent)", "broadcasts reaching all correct",
                        "crashed sender's message reached", "messages per broadcast"),
                rows);
        List<String> notes = List.of(
                "The crashing sender hands its last broadcast to only half of its peers (gossip: crashes after one"
                        + " round) and stops; correct nodes are those that never crashed.",
                "Eager relay survives the crash because any correct node that got the message relays it; with n - 1"
                        + " paths to each node, 20% loss rarely cuts them all, but nothing repairs it when it does (or"
                        + " when a partition does). Retransmission until acknowledged closes that gap at a price in"
                        + " messages; gossip pays for its periodic pulls instead.");
        return new ExperimentResult(name(), parameters, List.of(table), notes, true);
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : Statistics.round(100.0 * part / whole, 2) + "%";
    }
}
