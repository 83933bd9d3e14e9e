package io.calmdb.sim.cluster;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.core.PublishedMessage;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Partition;
import io.calmdb.sim.SimNetwork;
import io.calmdb.sim.Simulation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The pub/sub workload of the cluster simulation (issue 9): every node publishes numbered messages through its real
 * replica core while the network partitions, nodes crash and restart, and (in {@link Mode#LOSSY}) messages are lost,
 * duplicated and reordered. Every node stands for a region whose subscribers listen to every channel. The checker
 * holds the documented guarantee at every delivery:
 *
 * <ul>
 *   <li>no invented message: each delivery is a message its origin published, on the channel it was published to;
 *   <li>per-publisher order and no duplicate: at each region, one publisher's messages arrive in strictly increasing
 *       publishing order;
 *   <li>at most once across a partition: a message published while the link to a region was cut never reaches that
 *       region, not even after the heal (pub/sub is never resent);
 *   <li>completeness when connected ({@link Mode#PARTITIONED}, whose links lose nothing and keep order as TCP does):
 *       a message whose link to a region stayed open, with the region up, from its publishing until it could
 *       arrive reaches that region.
 * </ul>
 *
 * <p>A run is a pure function of its seed and mode.
 */
public final class PubSubSimulation {
    /** The network of a run. */
    public enum Mode {
        /** Links lose nothing and keep order (fixed latency); partitions and crashes are the only faults. */
        PARTITIONED,
        /** Besides partitions and crashes, links lose, duplicate and reorder messages. */
        LOSSY
    }

    /** What one run found. */
    public record Result(long seed, Mode mode, List<String> violations, long published, long delivered,
            long expectedDeliveries, long cutDeliveries) {
        public boolean passed() {
            return violations.isEmpty();
        }

        /** A one-line summary. */
        public String summary() {
            return "pubsub seed " + seed + " " + mode.name().toLowerCase(java.util.Locale.ROOT) + ": " + published
                    + " published, " + delivered + " deliveries (" + expectedDeliveries + " owed when connected, "
                    + cutDeliveries + " cut by partitions), " + (violations.isEmpty() ? "ok"
                    : violations.size() + " violations: " + violations.get(0));
        }
    }

    /** Publishing events per second per node (each of 1 to {@link #BURST_MESSAGES_MAX} messages). */
    static final int PUBLISHES_PER_SECOND_PER_NODE = 50;
    /** The one-way latency of {@link Mode#PARTITIONED}'s links, in milliseconds. */
    static final long FIXED_LATENCY_MILLIS = 15;
    /** How long publishing lasts, in virtual milliseconds. */
    static final long WORKLOAD_MILLIS = 6_000;
    /** The most messages one publishing event hands the core together. */
    static final int BURST_MESSAGES_MAX = 3;
    /** Channels the workload publishes to. */
    static final int CHANNELS = 3;
    /** Violations kept per run. */
    static final int VIOLATIONS_MAX = 20;

    private record Window(Partition partition, long startMillis, long endMillis) {}

    private record Published(ReplicaId origin, long number, String channel, long atMillis) {}

    private final long seed;
    private final Mode mode;
    private final Simulation simulation;
    private final SimNetwork<byte[]> network;
    private final Map<ReplicaId, SimReplica> replicas = new LinkedHashMap<>();
    private final List<ReplicaId> ids = new ArrayList<>();
    private final List<Window> partitions = new ArrayList<>();
    /** Per node, the virtual times it was down: {start, end} pairs (end is Long.MAX_VALUE while down). */
    private final Map<ReplicaId, List<long[]>> downtime = new HashMap<>();
    private final Map<ReplicaId, Long> nextNumber = new HashMap<>();
    private final Map<String, Published> published = new HashMap<>();
    /** Per receiving node and origin, the newest message number delivered. */
    private final Map<ReplicaId, Map<ReplicaId, Long>> newestDelivered = new HashMap<>();
    private final Set<String> deliveries = new HashSet<>();
    private final List<String> violations = new ArrayList<>();
    private long violationCount;
    private long deliveredCount;

    private PubSubSimulation(long seed, int nodes, Mode mode) {
        this.seed = seed;
        this.mode = mode;
        this.simulation = Simulation.create(seed);
        RandomGenerator random = simulation.random();
        NetworkConfig net = mode == Mode.PARTITIONED ? NetworkConfig.perfect(LatencyModel.fixed(FIXED_LATENCY_MILLIS))
                : NetworkConfig.perfect(LatencyModel.uniform(1, 40)).withLoss(random.nextDouble() * 0.05)
                        .withDuplication(random.nextDouble() * 0.1).withReordering(random.nextDouble() * 0.2, 50);
        this.network = SimNetwork.create(simulation, net);
        for (int i = 0; i < nodes; i++) {
            ids.add(ReplicaId.of("n" + (i + 1)));
        }
        SimReplica.Listener listener = new SimReplica.Listener() {
            @Override
            public void acknowledged(ReplicaId node, Object write) {}

            @Override
            public void waitAnswered(ReplicaId node, long sequence, int replicas, long committedAtMillis) {}

            @Override
            public void published(ReplicaId node, ReplicaId origin, byte[] channel, byte[] message) {
                delivered(node, origin, new String(channel, StandardCharsets.UTF_8),
                        new String(message, StandardCharsets.UTF_8));
            }
        };
        for (ReplicaId id : ids) {
            List<ReplicaId> peers = new ArrayList<>(ids);
            peers.remove(id);
            replicas.put(id, new SimReplica(id, peers, simulation, network, Durability.EVERYSEC,
                    ClusterScenario.PlantedBug.NONE, random.nextLong(-250, 251), listener));
            downtime.put(id, new ArrayList<>());
            newestDelivered.put(id, new HashMap<>());
        }
    }

    /** Runs the pub/sub workload on {@code nodes} nodes and checks every delivery. */
    public static Result run(long seed, int nodes, Mode mode) {
        if (nodes < 2) {
            throw new IllegalArgumentException("nodes must be >= 2, got " + nodes);
        }
        return new PubSubSimulation(seed, nodes, mode).run();
    }

    private Result run() {
        replicas.values().forEach(SimReplica::start);
        scheduleFaults();
        for (ReplicaId id : ids) {
            scheduleNextPublish(id);
        }
        // Every message can arrive by then: the workload's end plus the slowest link and reordering delay.
        simulation.runUntil(WORKLOAD_MILLIS + 1_000);
        long expected = 0;
        long cut = 0;
        for (Published message : published.values()) {
            for (ReplicaId receiver : ids) {
                if (receiver.equals(message.origin())) {
                    continue;
                }
                boolean arrived = deliveries.contains(key(receiver, message.origin(), message.number()));
                if (cutAt(message.origin(), receiver, message.atMillis())) {
                    cut++;
                    if (arrived) {
                        violation(receiver + " got " + describe(message) + ", published while the link from "
                                + message.origin() + " was cut: pub/sub must not be resent after a heal");
                    }
                } else if (mode == Mode.PARTITIONED && undisturbed(message, receiver)) {
                    expected++;
                    if (!arrived) {
                        violation(receiver + " never got " + describe(message) + " although its link stayed open");
                    }
                }
            }
        }
        if (deliveredCount == 0) {
            violation("no message was delivered at all");
        }
        if (violationCount > violations.size()) {
            violations.add((violationCount - violations.size()) + " more violations left out");
        }
        return new Result(seed, mode, List.copyOf(violations), published.size(), deliveredCount, expected, cut);
    }

    private void scheduleNextPublish(ReplicaId id) {
        long meanGapMillis = 1_000 / PUBLISHES_PER_SECOND_PER_NODE;
        long gap = 1 + simulation.random().nextLong(2 * meanGapMillis);
        if (simulation.nowMillis() + gap >= WORKLOAD_MILLIS) {
            return;
        }
        simulation.after(gap, () -> {
            SimReplica replica = replicas.get(id);
            if (replica.up()) {
                // A burst of one to BURST_MESSAGES_MAX messages, as a pipeline of PUBLISH hands the core at once.
                int burst = 1 + simulation.random().nextInt(BURST_MESSAGES_MAX);
                List<PublishedMessage> messages = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    long number = nextNumber.merge(id, 1L, Long::sum);
                    String channel = "ch" + simulation.random().nextInt(CHANNELS);
                    published.put(id + "#" + number, new Published(id, number, channel, simulation.nowMillis()));
                    messages.add(new PublishedMessage(channel.getBytes(StandardCharsets.UTF_8),
                            (id + "#" + number).getBytes(StandardCharsets.UTF_8)));
                }
                replica.core().publish(messages);
            }
            scheduleNextPublish(id);
        });
    }

    private void delivered(ReplicaId node, ReplicaId origin, String channel, String text) {
        deliveredCount++;
        Published message = published.get(text);
        if (message == null || !message.origin().equals(origin) || !message.channel().equals(channel)) {
            violation(node + " got an invented message '" + text + "' on " + channel + " from " + origin);
            return;
        }
        if (!deliveries.add(key(node, origin, message.number()))) {
            violation(node + " got " + describe(message) + " twice");
            return;
        }
        Long newest = newestDelivered.get(node).put(origin, message.number());
        if (newest != null && newest >= message.number()) {
            violation(node + " got " + describe(message) + " after message " + newest + " of the same publisher");
        }
    }

    private static String key(ReplicaId receiver, ReplicaId origin, long number) {
        return receiver + "<" + origin + "#" + number;
    }

    private static String describe(Published message) {
        return "message " + message.number() + " of " + message.origin() + " (published at " + message.atMillis()
                + " ms on " + message.channel() + ")";
    }

    // Faults.

    private void scheduleFaults() {
        RandomGenerator random = simulation.random();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            long start = random.nextLong(200, WORKLOAD_MILLIS - 1_000);
            long end = start + random.nextLong(100, 1_500);
            Partition partition = random.nextBoolean() ? Partition.isolate(ids.get(random.nextInt(ids.size())))
                    : Partition.split(List.of(ids.get(0)));
            network.partition(partition, start, end);
            partitions.add(new Window(partition, start, end));
        }
        if (random.nextBoolean()) {
            ReplicaId victim = ids.get(random.nextInt(ids.size()));
            long at = random.nextLong(200, WORKLOAD_MILLIS - 1_000);
            long downFor = random.nextLong(50, 1_000);
            simulation.schedule(at, () -> {
                replicas.get(victim).crash();
                downtime.get(victim).add(new long[] {at, at + downFor});
            });
            simulation.schedule(at + downFor, () -> replicas.get(victim).start());
        }
    }

    /** True when a partition cut {@code from -> to} at {@code atMillis} (the network drops the message at send). */
    private boolean cutAt(ReplicaId from, ReplicaId to, long atMillis) {
        for (Window window : partitions) {
            if (atMillis >= window.startMillis() && atMillis < window.endMillis()
                    && window.partition().cuts(from, to)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when no partition of the link and no downtime of the receiver came near the message's flight: from a
     * millisecond before its publishing to a millisecond after it could arrive.
     */
    private boolean undisturbed(Published message, ReplicaId receiver) {
        long from = message.atMillis() - 1;
        long to = message.atMillis() + FIXED_LATENCY_MILLIS + 1;
        for (Window window : partitions) {
            if (window.startMillis() <= to && window.endMillis() >= from
                    && window.partition().cuts(message.origin(), receiver)) {
                return false;
            }
        }
        for (long[] down : downtime.get(receiver)) {
            if (down[0] <= to && down[1] >= from) {
                return false;
            }
        }
        return true;
    }

    private void violation(String text) {
        violationCount++;
        if (violations.size() < VIOLATIONS_MAX) {
            violations.add(text);
        }
    }
}
