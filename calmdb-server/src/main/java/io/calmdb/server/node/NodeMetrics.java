package io.calmdb.server.node;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.server.resp.CommandHandler;
import io.calmdb.server.resp.Reply;
import io.calmdb.server.transport.LinkSnapshot;
import io.calmdb.server.transport.LinkState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * One node's meters, exposed by {@code GET /metrics} in the Prometheus text format: operations and latency per
 * command and front door, replication lag and acknowledgements per peer, transport queues per peer, the hold-back
 * buffer, the keyspace queue and the storage writer's pending writes.
 *
 * <p>Command meters are updated as commands complete, on whichever thread completes them. Gauges read the most
 * recent {@link NodeStatus}, which {@link #scrape} refreshes on the keyspace thread just before rendering, so the
 * gauges of one scrape describe one instant and never touch the single-threaded replication state from the
 * scraping thread. Each node has its own registry, so in-process clusters (tests, the demo) do not mix meters.
 */
public final class NodeMetrics {
    /** How long a scrape waits for a fresh status from the keyspace thread before rendering the previous one. */
    static final long STATUS_WAIT_MILLIS_MAX = 2_000;
    /** The latency percentiles every command timer publishes. */
    static final double[] LATENCY_PERCENTILES = {0.5, 0.9, 0.99, 0.999};
    /** The names of the meters, as Micrometer spells them (Prometheus replaces dots with underscores). */
    static final String COMMANDS = "calmdb.commands";
    static final String COMMAND_LATENCY = "calmdb.command.latency";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConcurrentHashMap<String, CommandMeters> commandMeters = new ConcurrentHashMap<>();
    private final AtomicReference<NodeStatus> latest = new AtomicReference<>();
    private volatile CalmNode node;

    private NodeMetrics() {}

    /** A registry with no node bound yet: command meters work at once, gauges after {@link #bind}. */
    public static NodeMetrics create() {
        return new NodeMetrics();
    }

    /** The registry, for applications that want to add their own meters next to the node's. */
    public MeterRegistry registry() {
        return registry;
    }

    private record CommandMeters(Counter operations, Counter errors, Timer latency) {}

    private CommandMeters meters(String frontDoor, String command) {
        return commandMeters.computeIfAbsent(frontDoor + ' ' + command, ignored -> new CommandMeters(
                Counter.builder(COMMANDS).description("Commands completed, per front door and command")
                        .tag("front_door", frontDoor).tag("command", command).register(registry),
                Counter.builder(COMMANDS + ".errors").description("Commands answered with an error")
                        .tag("front_door", frontDoor).tag("command", command).register(registry),
                Timer.builder(COMMAND_LATENCY).description("Time from receiving a command to its answer; "
                                + "for writes this includes the write-ahead log under the fsync policy")
                        .tag("front_door", frontDoor).tag("command", command)
                        .publishPercentiles(LATENCY_PERCENTILES).register(registry)));
    }

    /**
     * Records one completed command.
     *
     * @param frontDoor    {@code resp}, {@code http} or {@code embedded}
     * @param command      the command or route name; callers keep this to a fixed set so meters stay bounded
     * @param elapsedNanos time from receipt to answer
     * @param failed       whether the answer was an error
     */
    public void recordCommand(String frontDoor, String command, long elapsedNanos, boolean failed) {
        CommandMeters meters = meters(frontDoor, command);
        meters.operations().increment();
        if (failed) {
            meters.errors().increment();
        }
        meters.latency().record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Wraps the RESP command handler so that every data command is counted and timed. The command names come
     * from the node's fixed command table, so the number of meters is bounded.
     */
    public CommandHandler instrument(CommandHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new CommandHandler() {
            @Override
            public CompletionStage<Reply> handle(io.calmdb.server.resp.Connection connection,
                                                 io.calmdb.server.resp.Command command) {
                long started = System.nanoTime();
                CompletionStage<Reply> reply = handler.handle(connection, command);
                String name = command.name();
                return reply.whenComplete((value, error) ->
                        recordCommand("resp", name, System.nanoTime() - started, error != null));
            }

            @Override
            public CompletionStage<java.util.List<Reply>> execute(io.calmdb.server.resp.Connection connection,
                                                                 java.util.List<io.calmdb.server.resp.Command> commands) {
                long started = System.nanoTime();
                return handler.execute(connection, commands).whenComplete((value, error) ->
                        recordCommand("resp", "exec", System.nanoTime() - started, error != null));
            }

            @Override
            public void unwatchAll(io.calmdb.server.resp.Connection connection) {
                handler.unwatchAll(connection);
            }
        };
    }

    /** Registers the per-node gauges; called once by the node when it starts serving. */
    void bind(CalmNode node) {
        Objects.requireNonNull(node, "node");
        if (this.node != null) {
            throw new IllegalStateException("these metrics are already bound to node " + this.node.replica());
        }
        this.node = node;
        gauge("calmdb.keyspace.queue", "tasks", "Client commands waiting for the keyspace thread", null,
                NodeStatus::keyspaceQueueTasks);
        gauge("calmdb.keyspace.keys", null, "Keys present on this replica", null, NodeStatus::keys);
        gauge("calmdb.storage.pending.writes", null, "Writes queued for the storage writer and not yet durable",
                null, status -> status.storage().pendingWrites());
        gauge("calmdb.storage.log.position", null, "The last write-ahead log position assigned", null,
                status -> status.storage().lastPosition());
        gauge("calmdb.replication.holdback", "messages", "Deltas held back until their causal predecessors arrive",
                null, status -> number(status.replicationGauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)));
        gauge("calmdb.replication.unacknowledged", "messages", "Own deltas not yet acknowledged by every peer",
                null, status -> number(status.replicationGauges().get(Broadcasts.GAUGE_UNACKNOWLEDGED_MESSAGES)));
        gauge("calmdb.replication.forged.origin", "messages", "Deltas a peer sent in another region's name, dropped",
                null, status -> number(status.replicationGauges().get("forgedOriginMessages")));
        gauge("calmdb.replication.own.sequence", null, "The sequence of this node's latest delta", null,
                NodeStatus::ownSequence);
        for (NodeConfig.Peer peer : node.config().peers()) {
            ReplicaId id = peer.replica();
            gauge("calmdb.replication.lag", "deltas", "This node's deltas the peer has not acknowledged yet", id,
                    status -> status.lag(id));
            gauge("calmdb.replication.acknowledged", null, "The prefix of this node's deltas the peer acknowledged",
                    id, status -> status.acknowledgedByPeer().getOrDefault(id, 0L));
            gauge("calmdb.transport.queued", "messages", "Messages waiting to be written to the peer", id,
                    status -> link(status, id, LinkSnapshot::queuedMessages));
            gauge("calmdb.transport.queued.bytes", "bytes", "Bytes waiting to be written to the peer", id,
                    status -> link(status, id, LinkSnapshot::queuedBytes));
            gauge("calmdb.transport.link.up", null, "1 when the outbound link to the peer is up, else 0", id,
                    status -> status.transport().link(id).map(l -> l.state() == LinkState.UP ? 1.0 : 0.0).orElse(0.0));
            gauge("calmdb.transport.link.inbound.up", null, "1 when the peer's inbound link to this node is up, else 0",
                    id, status -> status.transport().link(id).map(l -> l.inboundUp() ? 1.0 : 0.0).orElse(0.0));
            gauge("calmdb.transport.link.one.way", null, "1 when exactly one direction of the link with the peer is up",
                    id, status -> status.transport().link(id).map(l -> l.oneWay() ? 1.0 : 0.0).orElse(0.0));
        }
    }

    private void gauge(String name, String unit, String description, ReplicaId peer,
                       ToDoubleFunction<NodeStatus> value) {
        Gauge.Builder<AtomicReference<NodeStatus>> builder = Gauge.builder(name, latest, reference -> {
                    NodeStatus status = reference.get();
                    return status == null ? Double.NaN : value.applyAsDouble(status);
                })
                .description(description);
        if (unit != null) {
            builder.baseUnit(unit);
        }
        if (peer != null) {
            builder.tag("peer", peer.name());
        }
        builder.register(registry);
    }

    private static double link(NodeStatus status, ReplicaId peer, ToDoubleFunction<LinkSnapshot> field) {
        return status.transport().link(peer).map(field::applyAsDouble).orElse(Double.NaN);
    }

    private static double number(Object value) {
        return value instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    /**
     * Refreshes the gauges from the node (waiting at most {@link #STATUS_WAIT_MILLIS_MAX}) and renders every
     * meter in the Prometheus text format.
     */
    public CompletableFuture<String> scrape() {
        CalmNode bound = node;
        if (bound == null) {
            return CompletableFuture.completedFuture(registry.scrape());
        }
        return bound.status().orTimeout(STATUS_WAIT_MILLIS_MAX, TimeUnit.MILLISECONDS)
                .handle((status, error) -> {
                    if (status != null) {
                        latest.set(status);
                    }
                    return registry.scrape();
                });
    }

    /** Remembers a status fetched for another purpose (the HTTP API's {@code /health}), so gauges stay fresh. */
    public void observe(NodeStatus status) {
        latest.set(status);
    }
}
