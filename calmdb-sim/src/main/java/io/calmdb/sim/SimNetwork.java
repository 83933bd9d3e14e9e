package io.calmdb.sim;

import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulated network between named nodes. Each message gets a delay from the latency model and may be lost,
 * duplicated or held back for reordering, with the rates of its {@link NetworkConfig}; partitions cut links between
 * a start and a heal time; clogging slows a link for a while. A message to a node that is down when it arrives is
 * dropped, as is one on a link cut when it is sent or when it arrives.
 *
 * <p>All delays and coin flips come from the simulation's one generator, in event order, so the network's behaviour
 * is part of the seed's deterministic run.
 *
 * @param <M> the message type
 */
public final class SimNetwork<M> {
    /** Partitions and clogs that may be scheduled over one run. */
    public static final int SCHEDULED_FAULTS_MAX = 10_000;

    /** Receives the messages addressed to one node. */
    @FunctionalInterface
    public interface Receiver<M> {
        /** A message from {@code from} arrives now. */
        void receive(ReplicaId from, M message);
    }

    /** Counters of what the network did with the messages given to it. */
    public record Stats(long sent, long delivered, long lost, long cutByPartition, long toDownNode, long duplicated,
            long reordered) {}

    private record Clog(ReplicaId from, ReplicaId to, long startMillis, long endMillis, long extraMillis) {}

    private final Simulation simulation;
    private final NetworkConfig config;
    private final Map<ReplicaId, Receiver<M>> receivers = new HashMap<>();
    private final Set<ReplicaId> down = new HashSet<>();
    private final List<Partition> activePartitions = new ArrayList<>();
    private final List<Clog> clogs = new ArrayList<>();
    private int scheduledFaults;
    private long sent;
    private long delivered;
    private long lost;
    private long cutByPartition;
    private long toDownNode;
    private long duplicated;
    private long reordered;

    private SimNetwork(Simulation simulation, NetworkConfig config) {
        this.simulation = Require.notNull(simulation, "simulation");
        this.config = Require.notNull(config, "config");
    }

    /** A network driven by {@code simulation} with the faults of {@code config}. */
    public static <M> SimNetwork<M> create(Simulation simulation, NetworkConfig config) {
        return new SimNetwork<>(simulation, config);
    }

    /** Routes messages addressed to {@code node} to {@code receiver}. */
    public void register(ReplicaId node, Receiver<M> receiver) {
        receivers.put(Require.notNull(node, "node"), Require.notNull(receiver, "receiver"));
    }

    /** Marks {@code node} down (messages arriving for it are dropped) or up again. */
    public void setUp(ReplicaId node, boolean up) {
        if (up) {
            down.remove(node);
        } else {
            down.add(node);
        }
    }

    /** True when {@code node} is up. */
    public boolean isUp(ReplicaId node) {
        return !down.contains(node);
    }

    /** Cuts the links of {@code partition} from {@code startMillis} until {@code healMillis}. */
    public void partition(Partition partition, long startMillis, long healMillis) {
        Require.notNull(partition, "partition");
        Require.argument(healMillis >= startMillis, "healMillis", "must not be before startMillis " + startMillis
                + ", got " + healMillis);
        countScheduledFault();
        simulation.schedule(startMillis, () -> {
            activePartitions.add(partition);
            if (simulation.tracing()) {
                simulation.trace("partition start " + partition.describe());
            }
        });
        simulation.schedule(healMillis, () -> {
            activePartitions.remove(partition);
            if (simulation.tracing()) {
                simulation.trace("partition heal " + partition.describe());
            }
        });
    }

    /** Adds {@code extraMillis} to every message sent from {@code from} to {@code to} during [start, end). */
    public void clog(ReplicaId from, ReplicaId to, long startMillis, long endMillis, long extraMillis) {
        Require.argument(endMillis >= startMillis, "endMillis", "must not be before startMillis");
        Require.argument(extraMillis >= 0, "extraMillis", "must be >= 0, got " + extraMillis);
        countScheduledFault();
        clogs.add(new Clog(Require.notNull(from, "from"), Require.notNull(to, "to"), startMillis, endMillis,
                extraMillis));
    }

    private void countScheduledFault() {
        Require.state(++scheduledFaults <= SCHEDULED_FAULTS_MAX, "at most " + SCHEDULED_FAULTS_MAX
                + " scheduled faults");
    }

    /** True when no active partition cuts the link from {@code from} to {@code to}. */
    public boolean linkOpen(ReplicaId from, ReplicaId to) {
        for (Partition partition : activePartitions) {
            if (partition.cuts(from, to)) {
                return false;
            }
        }
        return true;
    }

    /** True while at least one partition is active. */
    public boolean partitioned() {
        return !activePartitions.isEmpty();
    }

    /** Hands {@code message} to the network; it arrives later, or never. */
    public void send(ReplicaId from, ReplicaId to, M message) {
        Require.notNull(message, "message");
        Require.argument(receivers.containsKey(to), "to", "is not a registered node: " + to);
        sent++;
        boolean tracing = simulation.tracing();
        if (!linkOpen(from, to)) {
            cutByPartition++;
            if (tracing) {
                simulation.trace("cut " + from + "->" + to + " " + message);
            }
            return;
        }
        if (config.lossRate() > 0 && simulation.random().nextDouble() < config.lossRate()) {
            lost++;
            if (tracing) {
                simulation.trace("lose " + from + "->" + to + " " + message);
            }
            return;
        }
        schedule(from, to, message, tracing);
        if (config.duplicationRate() > 0 && simulation.random().nextDouble() < config.duplicationRate()) {
            duplicated++;
            schedule(from, to, message, tracing);
        }
    }

    private void schedule(ReplicaId from, ReplicaId to, M message, boolean tracing) {
        long delay = config.latency().latencyMillis(from, to, simulation.random());
        if (config.reorderRate() > 0 && config.reorderDelayMillisMax() > 0
                && simulation.random().nextDouble() < config.reorderRate()) {
            reordered++;
            delay += 1 + simulation.random().nextLong(config.reorderDelayMillisMax());
        }
        long now = simulation.nowMillis();
        for (Clog clog : clogs) {
            if (clog.from.equals(from) && clog.to.equals(to) && now >= clog.startMillis && now < clog.endMillis) {
                delay += clog.extraMillis;
            }
        }
        if (tracing) {
            simulation.trace("send " + from + "->" + to + " +" + delay + " " + message);
        }
        simulation.after(delay, () -> arrive(from, to, message));
    }

    private void arrive(ReplicaId from, ReplicaId to, M message) {
        if (down.contains(to)) {
            toDownNode++;
            return;
        }
        if (!linkOpen(from, to)) {
            cutByPartition++;
            return;
        }
        delivered++;
        if (simulation.tracing()) {
            simulation.trace("recv " + from + "->" + to + " " + message);
        }
        receivers.get(to).receive(from, message);
    }

    /** What the network has done so far. */
    public Stats stats() {
        return new Stats(sent, delivered, lost, cutByPartition, toDownNode, duplicated, reordered);
    }
}
