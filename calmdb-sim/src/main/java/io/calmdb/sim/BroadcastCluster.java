package io.calmdb.sim;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.BroadcastProtocol;
import io.calmdb.replication.broadcast.Members;
import io.calmdb.replication.broadcast.Outbox;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Runs one sans-IO {@link BroadcastProtocol} per node over a {@link SimNetwork}: it carries out each protocol's
 * outbox (sends go to the network, deliveries to the {@link DeliveryLog}, storage and listeners, wake-ups become
 * events), and it injects the node faults: crash, crash in the middle of a broadcast, and restart.
 *
 * <p>Each node has a {@link SimStorage} holding the deliveries it has made. A node's own broadcast is flushed before
 * the call returns (write-ahead: a real server makes a write durable before acknowledging it); other deliveries are
 * flushed every {@code storageFlushPeriodMillis}, so a crash loses the ones delivered since the last flush, and a
 * restarted protocol starts from the durable ones only.
 *
 * <p>Listeners are called synchronously from inside a protocol's call; they must not call back into the cluster's
 * protocols directly, only schedule events (for example {@link #broadcastAt}).
 *
 * @param <M> the protocol's message type
 * @param <P> the payload type
 */
public final class BroadcastCluster<M, P> {
    /** A delivery as kept on a node's simulated disk. */
    public record Stored<P>(Dot id, P payload) {}

    /** Builds the protocol of one node, fresh or from its durable deliveries after a restart. */
    @FunctionalInterface
    public interface ProtocolFactory<M, P> {
        /**
         * The protocol for {@code self} in a cluster of {@code members} (sorted, shared by every node); {@code recovered}
         * is empty at first start and holds the durable deliveries after a restart.
         */
        BroadcastProtocol<M, P> create(ReplicaId self, List<ReplicaId> members, List<Stored<P>> recovered,
                RandomGenerator random);
    }

    /** Observes deliveries; called synchronously, see the class comment. */
    @FunctionalInterface
    public interface DeliveryListener<P> {
        /** {@code node} delivered {@code id} carrying {@code payload}. */
        void delivered(ReplicaId node, Dot id, P payload);
    }

    /** Observes restarts, so that application state can be rebuilt from durable deliveries. */
    @FunctionalInterface
    public interface RestartListener<P> {
        /** {@code node} restarted knowing {@code durable}. */
        void restarted(ReplicaId node, List<Stored<P>> durable);
    }

    private final class Node implements Outbox<M, P> {
        final ReplicaId id;
        final SimStorage<Stored<P>> storage = new SimStorage<>();
        final Set<Long> wakeTimes = new HashSet<>();
        BroadcastProtocol<M, P> protocol;
        int incarnation;
        boolean up = true;
        boolean everCrashed;
        long sendBudget = -1;

        Node(ReplicaId id) {
            this.id = id;
        }

        @Override
        public void send(ReplicaId to, M message) {
            if (sendBudget == 0) {
                return;
            }
            if (sendBudget > 0) {
                sendBudget--;
            }
            network.send(id, to, message);
        }

        @Override
        public void deliver(Dot messageId, P payload) {
            long now = simulation.nowMillis();
            if (messageId.replica().equals(id) && !log.wasBroadcast(messageId)) {
                log.recordBroadcast(id, messageId, payload, now);
            }
            if (simulation.tracing()) {
                simulation.trace("deliver " + id + " " + messageId);
            }
            log.recordDelivery(id, incarnation, messageId, payload, now);
            storage.append(new Stored<>(messageId, payload));
            if (storageFlushPeriodMillis == 0) {
                storage.flush();
            }
            for (DeliveryListener<P> listener : deliveryListeners) {
                listener.delivered(id, messageId, payload);
            }
        }

        @Override
        public void wakeAt(long atMillis) {
            long at = Math.max(atMillis, simulation.nowMillis());
            if (wakeTimes.add(at)) {
                int scheduledIncarnation = incarnation;
                simulation.schedule(at, () -> {
                    if (incarnation != scheduledIncarnation) {
                        return;
                    }
                    wakeTimes.remove(at);
                    if (up) {
                        protocol.tick(simulation.nowMillis(), this);
                    }
                });
            }
        }
    }

    private final Simulation simulation;
    private final SimNetwork<M> network;
    private final ProtocolFactory<M, P> factory;
    private final long storageFlushPeriodMillis;
    private final DeliveryLog<P> log;
    private final List<ReplicaId> members;
    private final Members membership;
    private final Map<ReplicaId, Node> nodes = new LinkedHashMap<>();
    private final List<DeliveryListener<P>> deliveryListeners = new ArrayList<>();
    private final List<RestartListener<P>> restartListeners = new ArrayList<>();
    private boolean started;

    private BroadcastCluster(Simulation simulation, NetworkConfig networkConfig, List<ReplicaId> members,
            ProtocolFactory<M, P> factory, long storageFlushPeriodMillis, boolean recordCausalPast) {
        this.simulation = Require.notNull(simulation, "simulation");
        this.network = SimNetwork.create(simulation, networkConfig);
        this.factory = Require.notNull(factory, "factory");
        Require.argument(storageFlushPeriodMillis >= 0, "storageFlushPeriodMillis", "must be >= 0, got "
                + storageFlushPeriodMillis);
        this.storageFlushPeriodMillis = storageFlushPeriodMillis;
        this.log = new DeliveryLog<>(recordCausalPast);
        this.members = List.copyOf(Require.notNull(members, "members"));
        this.membership = Members.of(this.members);
        Require.argument(!this.members.isEmpty(), "members", "must not be empty");
        for (ReplicaId member : this.members) {
            Node node = new Node(member);
            Require.argument(nodes.put(member, node) == null, "members", "lists " + member + " twice");
            network.register(member, (from, message) -> {
                if (node.up) {
                    node.protocol.receive(from, message, simulation.nowMillis(), node);
                }
            });
        }
    }

    /**
     * A cluster of {@code members} running protocols from {@code factory} over a network with {@code networkConfig}.
     * {@code storageFlushPeriodMillis} is how often received deliveries become durable (0: at once);
     * {@code recordCausalPast} makes the log keep what the causal-order checker needs.
     */
    public static <M, P> BroadcastCluster<M, P> create(Simulation simulation, NetworkConfig networkConfig,
            List<ReplicaId> members, ProtocolFactory<M, P> factory, long storageFlushPeriodMillis,
            boolean recordCausalPast) {
        return new BroadcastCluster<>(simulation, networkConfig, members, factory, storageFlushPeriodMillis,
                recordCausalPast);
    }

    /** Calls {@code listener} on every delivery, at every node. */
    public void onDelivery(DeliveryListener<P> listener) {
        deliveryListeners.add(Require.notNull(listener, "listener"));
    }

    /** Calls {@code listener} whenever a node restarts. */
    public void onRestart(RestartListener<P> listener) {
        restartListeners.add(Require.notNull(listener, "listener"));
    }

    /** Creates and starts every node's protocol at the current time. Call once, before running the simulation. */
    public void start() {
        Require.state(!started, "a cluster starts once");
        started = true;
        for (Node node : nodes.values()) {
            node.protocol = factory.create(node.id, membership, List.of(), simulation.random());
            node.protocol.start(simulation.nowMillis(), node);
        }
        if (storageFlushPeriodMillis > 0) {
            simulation.after(storageFlushPeriodMillis, this::flushAll);
        }
    }

    private void flushAll() {
        for (Node node : nodes.values()) {
            if (node.up) {
                node.storage.flush();
            }
        }
        simulation.after(storageFlushPeriodMillis, this::flushAll);
    }

    /** Has {@code node} broadcast {@code payload} at {@code atMillis} (skipped if the node is down then). */
    public void broadcastAt(long atMillis, ReplicaId node, P payload) {
        Node target = node(node);
        simulation.schedule(atMillis, () -> broadcastNow(target, payload));
    }

    private void broadcastNow(Node node, P payload) {
        if (!node.up) {
            return;
        }
        node.protocol.broadcast(payload, simulation.nowMillis(), node);
        node.storage.flush();
    }

    /**
     * Has {@code node} broadcast {@code payload} at {@code atMillis} and crash after handing only
     * {@code sendsBeforeCrash} messages to the network: the sender crash midway that reliable broadcast must survive.
     */
    public void crashDuringBroadcastAt(long atMillis, ReplicaId node, P payload, int sendsBeforeCrash) {
        Require.argument(sendsBeforeCrash >= 0, "sendsBeforeCrash", "must be >= 0, got " + sendsBeforeCrash);
        Node target = node(node);
        simulation.schedule(atMillis, () -> {
            if (!target.up) {
                return;
            }
            target.sendBudget = sendsBeforeCrash;
            broadcastNow(target, payload);
            target.sendBudget = -1;
            crashNow(target);
        });
    }

    /** Crashes {@code node} at {@code atMillis}: it stops, and its unflushed deliveries are lost. */
    public void crashAt(long atMillis, ReplicaId node) {
        Node target = node(node);
        simulation.schedule(atMillis, () -> crashNow(target));
    }

    private void crashNow(Node node) {
        if (!node.up) {
            return;
        }
        node.up = false;
        node.everCrashed = true;
        node.incarnation++;
        node.wakeTimes.clear();
        node.protocol = null;
        network.setUp(node.id, false);
        int lost = node.storage.crash();
        if (simulation.tracing()) {
            simulation.trace("crash " + node.id + " lost " + lost);
        }
    }

    /** Restarts {@code node} at {@code atMillis} from its durable deliveries (no effect if it is up). */
    public void restartAt(long atMillis, ReplicaId node) {
        Node target = node(node);
        simulation.schedule(atMillis, () -> {
            if (target.up) {
                return;
            }
            List<Stored<P>> durable = List.copyOf(target.storage.durable());
            target.protocol = factory.create(target.id, membership, durable, simulation.random());
            target.up = true;
            network.setUp(target.id, true);
            log.recordRestart(target.id, durable.stream().map(Stored::id).toList());
            if (simulation.tracing()) {
                simulation.trace("restart " + target.id + " recovered " + durable.size());
            }
            for (RestartListener<P> listener : restartListeners) {
                listener.restarted(target.id, durable);
            }
            target.protocol.start(simulation.nowMillis(), target);
        });
    }

    private Node node(ReplicaId id) {
        Node node = nodes.get(Require.notNull(id, "node"));
        Require.argument(node != null, "node", "is not a member: " + id);
        return node;
    }

    /** The members, in the order given. */
    public List<ReplicaId> members() {
        return members;
    }

    /** The network, for partitions, clogging and statistics. */
    public SimNetwork<M> network() {
        return network;
    }

    /** The log of broadcasts and deliveries. */
    public DeliveryLog<P> log() {
        return log;
    }

    /** True when {@code node} is running now. */
    public boolean isUp(ReplicaId node) {
        return node(node).up;
    }

    /** True when {@code node} has crashed at least once (so it is not "correct" for the checkers). */
    public boolean everCrashed(ReplicaId node) {
        return node(node).everCrashed;
    }

    /** The members that never crashed: the correct nodes of the broadcast properties. */
    public List<ReplicaId> correctNodes() {
        return members.stream().filter(member -> !node(member).everCrashed).toList();
    }

    /** The protocol running on {@code node}, or null while it is down; for observing its gauges. */
    public BroadcastProtocol<M, P> protocol(ReplicaId node) {
        return node(node).protocol;
    }

    /** The simulated disk of {@code node}. */
    public SimStorage<Stored<P>> storage(ReplicaId node) {
        return node(node).storage;
    }
}
