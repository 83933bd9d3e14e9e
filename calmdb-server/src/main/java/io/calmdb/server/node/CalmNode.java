package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.core.PublishedMessage;
import io.calmdb.replication.core.ReplicaCore;
import io.calmdb.replication.core.ReplicaCoreConfig;
import io.calmdb.replication.core.ReplicaEffects;
import io.calmdb.replication.keyspace.AtomicWrite;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import io.calmdb.server.resp.RespServer;
import io.calmdb.server.resp.RespServerConfig;
import io.calmdb.server.storage.StorageOptions;
import io.calmdb.server.storage.StorageStatus;
import io.calmdb.server.transport.LinkSnapshot;
import io.calmdb.server.transport.PeerConfig;
import io.calmdb.server.transport.PeerTransport;
import io.calmdb.server.transport.TransportConfig;
import io.calmdb.server.transport.TransportListener;
import io.calmdb.server.transport.TransportSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CalmDB node: a replica of the keyspace with its durable copy, its replication links to the other regions,
 * and its Redis-protocol front door. Start one with {@link #start}; {@link #close} stops everything it started.
 *
 * <p>Every decision is the {@link ReplicaCore}'s: this class only wires it to the world. The core, the keyspace
 * and every command run on one keyspace thread, so the core sees no concurrency; Netty threads only move bytes, the
 * storage writer thread only writes and syncs, and the clock is read in one place ({@link #clock}). A write is
 * applied to the local keyspace, handed to the core, appended to the write-ahead log, acknowledged once durable
 * under the fsync policy, and then shipped to the peers by the core's causal stream.
 */
public final class CalmNode implements AutoCloseable {
    /** The most replication notes (drops, transfers) logged per {@link #NOTES_WINDOW_MILLIS}. */
    static final int NOTES_PER_WINDOW_MAX = 20;
    /** The window over which {@link #NOTES_PER_WINDOW_MAX} applies, in milliseconds. */
    static final long NOTES_WINDOW_MILLIS = 10_000;

    /** How often the replica core is ticked (resends, digests, transfer pacing, WAIT deadlines), in milliseconds. */
    static final long TICK_MILLIS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(CalmNode.class);

    private final NodeConfig config;
    private final KeyspaceThread thread;
    private final DurableKeyspace durable;
    private final ReplicaCore core;
    /** The node's one clock: the core and the keyspace get time from here, never from the system directly. */
    private final LongSupplier clock = System::currentTimeMillis;
    private final long startedMillis = clock.getAsLong();
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    /** Replies of local writes waiting for their log record, in sequence order (keyspace thread only). */
    private final ArrayDeque<PendingReply> pendingReplies = new ArrayDeque<>();
    /** Blocked {@code WAIT} commands by ticket (keyspace thread only). */
    private final Map<Long, CompletableFuture<Reply>> waits = new HashMap<>();
    private long nextWaitTicket = 1;
    /** The highest local sequence the storage reported durable; written by storage threads. */
    private final AtomicLong durableReported = new AtomicLong();
    /** True while a hand-off of {@link #durableReported} to the keyspace thread is queued. */
    private final AtomicBoolean durableHandOffQueued = new AtomicBoolean();
    private PeerTransport transport;
    private RespServer resp;
    private final NodeMetrics metrics = NodeMetrics.create();
    /** INFO's memory, stats and cpu fields and the instantaneous rates behind them. */
    private final ServerInfo serverInfo = new ServerInfo();
    /** The Lua engine of EVAL and its script cache (keyspace thread only). */
    private final LuaScripting scripting = new LuaScripting(LuaScripting.Limits.DEFAULT);
    /** The users and passwords the RESP port checks; scripts check their calls against the caller's user. */
    private io.calmdb.server.resp.AccessControl access;
    /** The checkpoint the core is writing, or null (keyspace thread only). */
    private DurableKeyspace.Checkpoint checkpoint;
    private volatile boolean closed;
    // Rate limit of replication notes (keyspace thread only).
    private long notesWindowStartMillis;
    private int notesInWindow;
    private long notesSuppressed;

    private record PendingReply(long sequence, CompletableFuture<?> future, Object value) {}

    /** The core released replies through this sequence during its current input (keyspace thread only). */
    private long releasedThrough;
    /** WAIT answers the core gave during its current input, completed once it returns (keyspace thread only). */
    private final List<Runnable> answeredWaits = new ArrayList<>();

    /**
     * Runs one input of the core, then completes what it released. Completions come last because a completed
     * reply may start the connection's next command on this thread, and the core must not be entered from inside
     * one of its own effects.
     */
    private void drive(Runnable input) {
        input.run();
        while (!pendingReplies.isEmpty() && pendingReplies.peekFirst().sequence() <= releasedThrough) {
            PendingReply pending = pendingReplies.pollFirst();
            complete(pending.future(), pending.value());
        }
        if (!answeredWaits.isEmpty()) {
            List<Runnable> answered = new ArrayList<>(answeredWaits);
            answeredWaits.clear();
            answered.forEach(Runnable::run);
        }
    }

    private CalmNode(NodeConfig config, DurableKeyspace durable) {
        this.config = config;
        this.durable = durable;
        // The keyspace thread is an event loop the RESP server serves its connections on, so commands run where
        // they are read (see KeyspaceThread).
        this.thread = new KeyspaceThread(RespServer.singleThreadGroup("calmdb-keyspace-" + config.replica(), true),
                config.limits().keyspaceQueueTasksMax());
        List<ReplicaId> peers = new ArrayList<>();
        config.peers().forEach(peer -> peers.add(peer.replica()));
        ReplicaCoreConfig coreConfig = ReplicaCoreConfig.of(config.replica(), peers,
                config.limits().antiEntropyIntervalMillis(), config.limits().checkpointIntervalMillis());
        this.core = new ReplicaCore(coreConfig, durable.keyspace(), durable.recoveredDelivered(), new NodeEffects());
        core.markDirty(durable.replayedKeys());
    }

    /**
     * Recovers the node's data directory, then starts replication and the Redis front door. Returns once every
     * listener is bound.
     *
     * @throws io.calmdb.server.storage.CorruptStorageException if the data directory is damaged (the node refuses
     *     to serve from it)
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws IllegalStateException if a listen address cannot be bound
     */
    public static CalmNode start(NodeConfig config) {
        config.validate();
        Keyspace keyspace = new Keyspace(config.replica());
        DurableKeyspace durable = DurableKeyspace.open(
                new StorageOptions(config.dataDirectory(), config.cluster(), config.replica(), config.fsync()), keyspace);
        CalmNode node = new CalmNode(config, durable);
        try {
            node.startNetworking();
            node.metrics.bind(node);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        LOG.info("node {} recovered {} checkpointed keys and {} log records (torn log tail dropped: {}); serving RESP "
                + "on {}", config.replica(), durable.recoveredStates(), durable.recoveredRecords(),
                durable.storage().status().tornTailDropped() ? "yes" : "no", node.resp.localAddress());
        return node;
    }

    private void startNetworking() {
        TransportConfig.Builder links = TransportConfig.builder(config.replica(), config.cluster())
                .listen(config.replication().host(), config.replication().port())
                .clusterSecret(config.security().clusterSecret() == null ? null
                        : config.security().clusterSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        NodeConfig.Tls tls = config.security().tls();
        if (tls != null && tls.caFile() != null) {
            links.tls(TlsContexts.peer(tls, true), TlsContexts.peer(tls, false));
        }
        if (config.security().clusterSecret() == null && (tls == null || tls.caFile() == null)
                && !isLoopbackHost(config.replication().host())) {
            LOG.warn("WARNING: node {} accepts replication links on {} with no clusterSecret (and no TLS): anyone "
                    + "who can reach the port can join as a region and write; set clusterSecret (docs/security.md)",
                    config.replica(), config.replication().host());
        }
        for (NodeConfig.Peer peer : config.peers()) {
            PeerConfig peerConfig = PeerConfig.of(peer.replica(), peer.host(), peer.port());
            if (peer.oneWayLatency() != null && !peer.oneWayLatency().isZero()) {
                peerConfig = peerConfig.withOneWayLatency(peer.oneWayLatency());
            }
            links.peer(peerConfig);
        }
        transport = PeerTransport.start(links.build(), new TransportListener() {
            @Override
            public void onMessage(ReplicaId from, byte[] message) {
                thread.execute(() -> drive(() -> core.onMessage(from, message, clock.getAsLong())));
            }

            @Override
            public void onLinkStateChanged(ReplicaId peer, io.calmdb.server.transport.LinkState state) {
                if (state == io.calmdb.server.transport.LinkState.UP) {
                    thread.execute(() -> drive(() -> core.onPeerConnected(peer, clock.getAsLong())));
                }
            }
        });
        thread.call(() -> {
            core.start(clock.getAsLong());
            return null;
        });
        timers.add(thread.every(TICK_MILLIS, this::tick));
        access = accessControl(config);
        RespServerConfig respConfig = RespServerConfig.builder()
                .host(config.resp().host()).port(config.resp().port())
                .bulkBytesMax(config.limits().bulkBytesMax())
                .threadNamePrefix("calmdb-resp-" + config.replica())
                .accessControl(access)
                .protectedMode(config.security().protectedMode())
                .queryBuffersBytesMax(config.security().clientQueryBuffersBytesMax())
                .sslContext(TlsContexts.resp(config.security().tls()))
                .build();
        warnWhenExposed(config);
        CommandRegistry commands = CommandRegistry.standard();
        resp = RespServer.start(respConfig, commands.table(), metrics.instrument(commands.handler(this)), thread.group());
        thread.call(() -> {
            serverInfo.keyspaceThread(Thread.currentThread().threadId());
            return null;
        });
        timers.add(thread.every(ServerInfo.SAMPLE_MILLIS, () -> serverInfo.sample(clock.getAsLong(),
                resp.statistics().commandsProcessed(), resp.commandStatistics().inputBytes(),
                resp.commandStatistics().outputBytes())));
    }

    // ----------------------------------------------------------------------------------------------------------
    // What the front doors call

    public NodeConfig config() {
        return config;
    }

    public ReplicaId replica() {
        return config.replica();
    }

    /** The bound RESP port (the configured one, or the one chosen when 0 was configured). */
    /** The users and their permissions (the RESP port's, which scripts' {@code redis.call} checks too). */
    io.calmdb.server.resp.AccessControl accessControl() {
        return access;
    }

    public int respPort() {
        return resp.port();
    }

    /** The bound replication port. */
    public int replicationPort() {
        return transport.localAddress().getPort();
    }

    /**
     * Reads the keyspace on its thread and returns the result: the embedded API and the HTTP API use this.
     */
    public <T> CompletableFuture<T> read(Function<Keyspace, T> reader) {
        return thread.submitClient(() -> {
            durable.keyspace().setTaskTime(clock.getAsLong());
            return CompletableFuture.completedFuture(reader.apply(durable.keyspace()));
        });
    }

    /** Logs and broadcasts a local delta; completes with its sequence once durable (keyspace thread only). */
    CompletableFuture<Long> commitDelta(OrMap<Bytes, KeyValue> delta) {
        long sequence = core.commitLocal(delta);
        if (sequence == 0) {
            return CompletableFuture.completedFuture(core.lastLocalSequence());
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        pendingReplies.addLast(new PendingReply(sequence, result, sequence));
        return result;
    }

    /** The driver's side of the core: sockets, the log and the replies, each queued, never run inside the core. */
    private final class NodeEffects implements ReplicaEffects {
        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            return transport != null && transport.send(peer, message);
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            reportWhenLogged(sequence, durable.log(delta, encodedDelta, config.replica(), sequence));
        }

        @Override
        public void appendLocalSynced(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            reportWhenLogged(sequence, durable.logSynced(encodedDelta, config.replica(), sequence));
        }

        @Override
        public void claimAnswered(long ticket, io.calmdb.replication.claim.ClaimResult result) {
            CompletableFuture<io.calmdb.replication.claim.ClaimResult> answer = claimAnswers.remove(ticket);
            if (answer != null) {
                answeredWaits.add(() -> answer.complete(result));
            }
        }

        private void reportWhenLogged(long sequence, CompletableFuture<Long> logged) {
            logged.whenComplete((position, error) -> {
                if (error != null) {
                    thread.execute(() -> failPendingFrom(sequence, error));
                    return;
                }
                durableReported.accumulateAndGet(sequence, Math::max);
                // One hand-off carries every completion that arrived before it ran: a group commit of a thousand
                // records wakes the keyspace thread once, not a thousand times.
                if (durableHandOffQueued.compareAndSet(false, true)) {
                    thread.execute(() -> {
                        durableHandOffQueued.set(false);
                        drive(() -> core.onLocalDurable(durableReported.get(), clock.getAsLong()));
                    });
                }
            });
        }

        @Override
        public void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            durable.log(delta, encodedDelta, id.replica(), id.counter()).exceptionally(error -> {
                LOG.error("could not log remote delta {}: {}", id, rootMessage(error));
                return null;
            });
        }

        @Override
        public void durableThrough(long sequence) {
            // Completing a reply may run the connection's next pipelined command on this very thread, which would
            // enter the core from inside one of its effects; replies are released once the core call returns.
            releasedThrough = Math.max(releasedThrough, sequence);
        }

        @Override
        public void waitAnswered(long ticket, int replicas) {
            CompletableFuture<Reply> reply = waits.remove(ticket);
            if (reply != null) {
                answeredWaits.add(() -> reply.complete(Reply.integer(replicas)));
            }
        }

        @Override
        public void quorumReadAnswered(long ticket, io.calmdb.replication.core.QuorumReadOutcome outcome) {
            completeQuorumRead(ticket, outcome);
        }

        @Override
        public void boundedAnswered(long ticket, long sequence, long value, String error) {
            boundedDecrementAnswered(ticket, sequence, value, error);
        }

        @Override
        public void checkpointBegin() {
            checkpoint = durable.beginCheckpoint();
        }

        @Override
        public void checkpointState(Bytes key, byte[] encodedState) {
            checkpoint.put(key, encodedState);
        }

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {
            DurableKeyspace.Checkpoint committing = checkpoint;
            checkpoint = null;
            committing.commit(context, delivered).whenComplete((covered, error) -> thread.execute(() -> {
                if (error != null) {
                    LOG.warn("checkpoint failed: {}", rootMessage(error));
                }
                core.onCheckpointFinished(error == null);
            }));
        }

        @Override
        public void published(ReplicaId origin, byte[] channel, byte[] message) {
            // Delivered as a later task, never inside the core's input: a subscriber closed at its output bound
            // runs connection clean-up. One task takes every message of the input, in order.
            arrivedMessages.add(new PublishedMessage(channel, message));
            if (arrivedMessages.size() == 1) {
                thread.execute(CalmNode.this::deliverArrived);
            }
        }

        @Override
        public void note(String message) {
            // A hostile or broken peer can make the core drop message after message; the log gets at most
            // NOTES_PER_WINDOW_MAX lines per NOTES_WINDOW_MILLIS and then one line counting what it left out.
            long now = clock.getAsLong();
            if (now - notesWindowStartMillis >= NOTES_WINDOW_MILLIS) {
                if (notesSuppressed > 0) {
                    LOG.warn("{} more replication notes were left out of the log in the last {} ms", notesSuppressed,
                            NOTES_WINDOW_MILLIS);
                }
                notesWindowStartMillis = now;
                notesInWindow = 0;
                notesSuppressed = 0;
            }
            if (notesInWindow++ < NOTES_PER_WINDOW_MAX) {
                LOG.info("{}", message);
            } else {
                notesSuppressed++;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void complete(CompletableFuture<?> future, Object value) {
        ((CompletableFuture<Object>) future).complete(value);
    }

    /** The log refused a record: it refuses every later one too, so every reply from it on fails. */
    private void failPendingFrom(long sequence, Throwable error) {
        while (!pendingReplies.isEmpty() && pendingReplies.peekLast().sequence() >= sequence) {
            pendingReplies.pollLast().future().completeExceptionally(error);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Timers

    private void tick() {
        drive(() -> core.tick(clock.getAsLong()));
    }

    // ----------------------------------------------------------------------------------------------------------
    // WAIT

    /** Per-connection state the node keeps in the connection's attachment. */
    static final class ConnectionState {
        final AtomicLong lastWriteSequence = new AtomicLong();
        /** The keys this connection WATCHes, each with the change marker it had then (keyspace thread only). */
        final Map<Bytes, Long> watched = new HashMap<>();

        static ConnectionState of(Connection connection) {
            if (connection.attachment() instanceof ConnectionState state) {
                return state;
            }
            ConnectionState state = new ConnectionState();
            connection.attach(state);
            return state;
        }
    }

    /** {@code WAIT numreplicas timeout}: how many peers acknowledged every write this connection made. */
    CompletionStage<Reply> waitForReplicas(Connection connection, Command command) {
        long replicas;
        long timeoutMillis;
        try {
            replicas = command.argumentLong(1);
            timeoutMillis = command.argumentLong(2);
        } catch (NumberFormatException e) {
            return CompletableFuture.completedFuture(Reply.error(CommandErrors.NOT_AN_INTEGER));
        }
        if (timeoutMillis < 0) {
            return CompletableFuture.completedFuture(Reply.error("ERR timeout is negative"));
        }
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        thread.execute(() -> {
            // Read on the keyspace thread: the writes this connection pipelined before WAIT were queued ahead of
            // this task and have run, so their sequence is counted (read on the connection's thread, a pipelined
            // SET could still be waiting and WAIT would wait for nothing).
            long sequence = ConnectionState.of(connection).lastWriteSequence.get();
            long ticket = nextWaitTicket++;
            waits.put(ticket, reply);
            drive(() -> core.await(ticket, sequence, replicas, timeoutMillis, clock.getAsLong()));
        });
        return reply;
    }

    // ----------------------------------------------------------------------------------------------------------
    // CLUSTER and INFO

    /** {@code CLUSTER PARTITION peer...}, {@code CLUSTER HEAL [peer...]}, {@code CLUSTER LINKS}. */
    CompletionStage<Reply> clusterCommand(Command command) {
        String sub = command.argumentString(1).toUpperCase(Locale.ROOT);
        Set<ReplicaId> named = new HashSet<>();
        Set<ReplicaId> known = new HashSet<>();
        config.peers().forEach(peer -> known.add(peer.replica()));
        for (int i = 2; i < command.argumentCount(); i++) {
            ReplicaId peer;
            try {
                peer = ReplicaId.of(command.argumentString(i));
            } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(Reply.error("ERR invalid replica id: " + e.getMessage()));
            }
            if (!known.contains(peer)) {
                return CompletableFuture.completedFuture(Reply.error("ERR unknown peer '" + peer + "'; peers are " + known));
            }
            named.add(peer);
        }
        return switch (sub) {
            case "PARTITION" -> {
                if (named.isEmpty()) {
                    yield CompletableFuture.completedFuture(Reply.error(CommandErrors.wrongArity("cluster|partition")));
                }
                partition(named);
                yield CompletableFuture.completedFuture(Reply.ok());
            }
            case "HEAL" -> {
                heal(named);
                yield CompletableFuture.completedFuture(Reply.ok());
            }
            case "LINKS" -> {
                List<Reply> links = new ArrayList<>();
                for (LinkSnapshot link : transport.snapshot().links()) {
                    links.add(Reply.bulk(link.peer() + " " + link.state() + " " + link.address()));
                }
                yield CompletableFuture.completedFuture(Reply.array(links));
            }
            default -> CompletableFuture.completedFuture(Reply.error(CommandErrors.unknownSubcommand(
                    command.argumentString(1), "CLUSTER") + " Try PARTITION, HEAL or LINKS."));
        };
    }

    /** Cuts the replication links to {@code peers} until {@link #heal}; both directions stop at once. */
    public void partition(Set<ReplicaId> peers) {
        transport.partition(peers);
        LOG.info("partitioned from {}", peers);
    }

    /** Restores the links to {@code peers}, or to every peer when empty. */
    public void heal(Set<ReplicaId> peers) {
        if (peers.isEmpty()) {
            transport.heal();
        } else {
            transport.heal(peers);
        }
        LOG.info("healed links to {}", peers.isEmpty() ? "every peer" : peers);
    }

    /**
     * {@code INFO [section ...]}: the server, clients, memory, persistence, stats, replication, cpu, commandstats,
     * errorstats and keyspace sections; without a section (or with {@code default}) every one but commandstats, as
     * Redis 7.0 does; {@code all} and {@code everything} add it.
     */
    CompletionStage<Reply> info(Command command) {
        Set<String> wanted = new HashSet<>();
        for (int i = 1; i < command.argumentCount(); i++) {
            wanted.add(command.argumentString(i).toLowerCase(Locale.ROOT));
        }
        if (wanted.isEmpty()) {
            wanted.add("default");
        }
        return thread.submitClient(() -> CompletableFuture.completedFuture(
                Reply.verbatim("txt", infoText(wanted)))).exceptionally(error -> Reply.error("ERR " + rootMessage(error)));
    }

    /** The sections of INFO as name/value pairs (also served by the HTTP API). */
    Map<String, Map<String, Object>> infoSections() {
        Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("calmdb_version", "0.1.0-SNAPSHOT");
        server.put("redis_version", RespServerConfig.SERVER_VERSION_DEFAULT);
        server.put("cluster", config.cluster());
        server.put("replica_id", config.replica().name());
        server.put("process_id", ProcessHandle.current().pid());
        server.put("tcp_port", resp.port());
        server.put("replication_port", replicationPort());
        server.put("uptime_in_seconds", (clock.getAsLong() - startedMillis) / 1000);
        sections.put("server", server);
        Map<String, Object> clients = new LinkedHashMap<>();
        clients.put("connected_clients", resp.statistics().connectionsOpen());
        clients.put("cluster_connections", 0);
        clients.put("maxclients", resp.config().connectionsMax());
        clients.put("blocked_clients", core.waitersBlocked());
        clients.put("tracking_clients", 0);
        clients.put("clients_in_timeout_table", 0);
        clients.put("total_commands_processed", resp.statistics().commandsProcessed());
        clients.put("keyspace_queue_commands", thread.clientTasksQueued());
        clients.put("keyspace_tasks_failed", thread.tasksFailed());
        clients.put("blocked_wait_commands", core.waitersBlocked());
        sections.put("clients", clients);
        sections.put("memory", serverInfo.memory(scripting.cachedScripts()));
        StorageStatus storage = durable.storage().status();
        Map<String, Object> persistence = new LinkedHashMap<>();
        persistence.put("fsync_policy", storage.fsyncPolicy().configName());
        persistence.put("log_last_position", storage.lastPosition());
        persistence.put("checkpoint_position", storage.checkpointPosition());
        persistence.put("log_truncated_through", storage.logTruncatedThroughPosition());
        persistence.put("pending_writes", storage.pendingWrites());
        storage.durabilityInfo().forEach(persistence::put);
        persistence.put("data_directory", config.dataDirectory().toString());
        sections.put("persistence", persistence);
        io.calmdb.server.resp.RespServerStatistics front = resp.statistics();
        io.calmdb.server.resp.CommandStatistics commandStatistics = resp.commandStatistics();
        sections.put("stats", serverInfo.stats(front.connectionsAccepted(), front.commandsProcessed(),
                commandStatistics.inputBytes(), commandStatistics.outputBytes(), front.connectionsRejected(),
                core.keysExpired(), resp.pubSub().activeChannels(null).size(), resp.pubSub().patternCount(),
                commandStatistics.errorReplies(), resp.pubSub().outputLimitDisconnections()));
        Map<String, Object> stats = sections.get("stats");
        io.calmdb.server.resp.RespServer.SecurityStatistics security = resp.securityStatistics();
        stats.put("client_query_buffers_bytes", security.queryBufferBytes());
        stats.put("client_query_buffers_bytes_max", resp.config().queryBuffersBytesMax());
        stats.put("client_query_budget_disconnections", security.queryBudgetDisconnections());
        stats.put("security_attack_connections_dropped", security.securityAttacks());
        stats.put("protected_mode_refusals", security.protectedModeRefusals());
        stats.put("acl_access_denied_auth", security.authFailures());
        Map<String, Object> replication = new LinkedHashMap<>();
        replication.put("role", "active-active");
        replication.put("replica_id", config.replica().name());
        replication.put("version_vector", durable.keyspace().context().versionVector().toString());
        replication.put("remote_deltas_applied", core.remoteDeltasApplied());
        core.status().forEach(replication::put);
        core.publishStatus().forEach(replication::put);
        core.escrowStatus().forEach(replication::put);
        TransportSnapshot links = transport.snapshot();
        replication.put("peers", links.links().size());
        replication.put("one_way_links", links.links().stream().filter(LinkSnapshot::oneWay).count());
        Map<ReplicaId, Long> acked = core.acknowledgedByPeer();
        long ownSent = core.durableLocalSequence();
        int index = 0;
        for (LinkSnapshot link : links.links()) {
            long peerAcked = acked.getOrDefault(link.peer(), 0L);
            replication.put("peer" + index++, "id=" + link.peer() + ",address=" + link.address() + ",state="
                    + link.state().name().toLowerCase(Locale.ROOT) + ",outbound=" + (link.outboundUp() ? "up" : "down")
                    + ",inbound=" + (link.inboundUp() ? "up" : "down") + ",link=" + link.directions().label()
                    + ",one_way_ms=" + (link.oneWay() ? link.directionsSteadyFor().toMillis() : 0)
                    + ",acked=" + peerAcked + ",lag=" + (ownSent - peerAcked)
                    + ",queued=" + link.queuedMessages() + ",sent_bytes=" + link.bytesSent() + ",received_bytes="
                    + link.bytesReceived());
        }
        sections.put("replication", replication);
        sections.put("cpu", serverInfo.cpu());
        sections.put("commandstats", new LinkedHashMap<>(commandStatistics.commandLines()));
        sections.put("errorstats", new LinkedHashMap<>(commandStatistics.errorLines()));
        sections.put("quorum", quorumInfo());
        Map<String, Object> keyspace = new LinkedHashMap<>();
        long now = clock.getAsLong();
        durable.keyspace().setTaskTime(now);
        int keys = durable.keyspace().size();
        if (keys > 0) {
            // As Redis, a database without keys has no line.
            keyspace.put("db0", "keys=" + keys + ",expires=" + durable.keyspace().expiringKeys() + ",avg_ttl="
                    + durable.keyspace().averageTimeToLiveMillis(now));
        }
        sections.put("keyspace", keyspace);
        return sections;
    }

    private String infoText(Set<String> wanted) {
        StringBuilder text = new StringBuilder();
        boolean every = wanted.contains("all") || wanted.contains("everything");
        boolean defaults = wanted.contains("default");
        infoSections().forEach((section, fields) -> {
            boolean byDefault = defaults && !section.equals("commandstats");
            if (!every && !byDefault && !wanted.contains(section)) {
                return;
            }
            // Redis capitalises the first letter of a section's name, except CPU's.
            text.append("# ").append(section.equals("cpu") ? "CPU"
                    : Character.toUpperCase(section.charAt(0)) + section.substring(1)).append("\r\n");
            fields.forEach((name, value) -> text.append(name).append(':').append(value).append("\r\n"));
            text.append("\r\n");
        });
        return text.toString();
    }

    private static String rootMessage(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause != cause.getCause()) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    /** Stops the front door, the links, the timers and the storage, in that order. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (resp != null) {
            resp.stop();
        }
        if (transport != null) {
            transport.close();
        }
        timers.forEach(timer -> timer.cancel(false));
        thread.close();
        durable.close();
        LOG.info("node {} stopped", config.replica());
    }

    // ----------------------------------------------------------------------------------------------------------
    // HTTP API and embedded API: the public surface they need, kept apart from the RESP plumbing above

    /** The node's meters (commands, latencies, replication lag, buffers), also served on {@code /metrics}. */
    public NodeMetrics metrics() {
        return metrics;
    }

    /**
     * Runs {@code task} on the keyspace thread. Every delta the task commits is logged and replicated like a RESP
     * write's, in order; the future completes with the task's answer once all of them are durable under the fsync
     * policy. It fails with the task's {@link KeyspaceException} (after the deltas committed before it are
     * durable), with a {@link java.util.concurrent.RejectedExecutionException} whose message starts with
     * {@code BUSY} when the keyspace queue is full, or with the log's error.
     */
    public <T> CompletableFuture<T> apply(KeyspaceTask<T> task) {
        return apply(null, task);
    }

    /**
     * {@link #apply(KeyspaceTask)} for a RESP connection: it also records on {@code connection} the sequence of the
     * task's last write, which is what that connection's {@code WAIT} waits for. {@code connection} may be null.
     */
    <T> CompletableFuture<T> apply(Connection connection, KeyspaceTask<T> task) {
        return apply(connection, task, false);
    }

    /**
     * Runs {@code task} as one unit (a {@code MULTI}/{@code EXEC} transaction, a Lua script, or an embedded or HTTP
     * caller's multi-key write): every write it commits is applied to the local keyspace at once, and all their deltas
     * are joined into one ({@link AtomicWrite}) that is logged once and broadcast once when the task returns, even when
     * it ends with a refusal (Redis keeps the writes a transaction or script made before an error). Another replica,
     * and this one after a restart, therefore shows all of the unit's writes or none of them. Completes like
     * {@link #apply(KeyspaceTask)}.
     */
    public <T> CompletableFuture<T> applyAtomically(KeyspaceTask<T> task) {
        return apply(null, task, true);
    }

    /** {@link #applyAtomically(KeyspaceTask)} for a RESP connection, recording its write for {@code WAIT}. */
    <T> CompletableFuture<T> applyAtomically(Connection connection, KeyspaceTask<T> task) {
        return apply(connection, task, true);
    }

    private <T> CompletableFuture<T> apply(Connection connection, KeyspaceTask<T> task, boolean atomically) {
        return thread.submitClient(() -> {
            List<CompletableFuture<Long>> logged = new ArrayList<>();
            AtomicWrite unit = atomically ? new AtomicWrite() : null;
            KeyspaceTask.Commits commits = new KeyspaceTask.Commits() {
                @Override
                public <R> R commit(Keyspace.Write<R> write) {
                    if (unit != null) {
                        return unit.add(write);
                    }
                    if (write.delta() != null) {
                        logged.add(commitWrite(connection, write.delta()));
                    }
                    return write.reply();
                }
            };
            T answer;
            try {
                // The task sees one instant, as a Redis command does: reads judge key expiry against the same now.
                long now = clock.getAsLong();
                durable.keyspace().setTaskTime(now);
                answer = task.run(durable.keyspace(), commits, now);
            } catch (KeyspaceException | RuntimeException refused) {
                if (unit != null && unit.delta() != null) {
                    logged.add(commitWrite(connection, unit.delta()));
                }
                return CompletableFuture.allOf(logged.toArray(CompletableFuture[]::new))
                        .thenCompose(ignored -> CompletableFuture.failedFuture(refused));
            }
            if (unit != null && unit.delta() != null) {
                logged.add(commitWrite(connection, unit.delta()));
            }
            return CompletableFuture.allOf(logged.toArray(CompletableFuture[]::new)).thenApply(ignored -> answer);
        });
    }

    /** Commits one delta and records its sequence as {@code connection}'s latest write (keyspace thread only). */
    private CompletableFuture<Long> commitWrite(Connection connection, OrMap<Bytes, KeyValue> delta) {
        long sequenceBefore = core.lastLocalSequence();
        CompletableFuture<Long> logged = commitDelta(delta);
        long sequence = core.lastLocalSequence();
        if (connection != null && sequence != sequenceBefore) {
            ConnectionState.of(connection).lastWriteSequence.accumulateAndGet(sequence, Math::max);
        }
        return logged;
    }

    LuaScripting scripting() {
        return scripting;
    }

    /**
     * Runs internal bookkeeping against the keyspace on its thread (at once when already there), such as releasing a
     * closed connection's watches; dropped when the node is closing.
     */
    void runOnKeyspace(java.util.function.Consumer<Keyspace> work) {
        if (thread.isCurrentThread()) {
            work.accept(durable.keyspace());
            return;
        }
        try {
            thread.execute(() -> work.accept(durable.keyspace()));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // The node is stopping: its keyspace, with every watch, goes away with it.
        }
    }

    /**
     * How many peers acknowledged every write {@code connection} made, now, without waiting: {@code WAIT} inside a
     * transaction answers this, as Redis's does (keyspace thread only).
     */
    int peersAcknowledgingNow(Connection connection) {
        return core.peersAcknowledging(ConnectionState.of(connection).lastWriteSequence.get());
    }

    /**
     * A consistent view of the node's replication, links, storage and queues, taken on the keyspace thread. This
     * is internal work, not a client task, so it is answered even while the client queue is full.
     */
    public CompletableFuture<NodeStatus> status() {
        CompletableFuture<NodeStatus> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("node " + config.replica() + " is closed"));
            return result;
        }
        thread.execute(() -> {
            try {
                Keyspace keyspace = durable.keyspace();
                keyspace.setTaskTime(clock.getAsLong());
                result.complete(new NodeStatus(config.replica(), config.cluster(), core.durableLocalSequence(),
                        core.acknowledgedByPeer(), keyspace.context().versionVector(), core.delivered(),
                        core.peerDelivered(), core.status(), transport.snapshot(),
                        durable.storage().status(), thread.clientTasksQueued(), keyspace.size(),
                        core.remoteDeltasApplied()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    // ---- CLAIMS (issue 8)

    /** Claims waiting for their answer from the core, by ticket (keyspace thread only). */
    private final Map<Long, CompletableFuture<io.calmdb.replication.claim.ClaimResult>> claimAnswers = new HashMap<>();
    private long nextClaimTicket = 1;

    /**
     * Asks the core for {@code request} on the keyspace thread: the stage completes with the authority's decision once
     * its log record is synced there, or with PENDING once {@code timeoutMillis} passed without one. It fails with a
     * {@link java.util.concurrent.RejectedExecutionException} whose message starts with {@code BUSY} when the
     * keyspace queue is full.
     */
    public CompletableFuture<io.calmdb.replication.claim.ClaimResult> claim(
            io.calmdb.replication.claim.ClaimRequest request, long timeoutMillis) {
        return thread.submitClient(() -> {
            CompletableFuture<io.calmdb.replication.claim.ClaimResult> answer = new CompletableFuture<>();
            long ticket = nextClaimTicket++;
            claimAnswers.put(ticket, answer);
            long now = clock.getAsLong();
            durable.keyspace().setTaskTime(now);
            drive(() -> core.claim(ticket, request, timeoutMillis, now));
            return answer;
        });
    }

    /** What this node knows of claim {@code claimId} (see {@link ReplicaCore#claimStatus}). */
    public CompletableFuture<io.calmdb.replication.claim.ClaimResult> claimStatus(String claimId) {
        return thread.submitClient(() -> CompletableFuture.completedFuture(core.claimStatus(claimId)));
    }

    /** The owner of a name by this region's replicated facts, read locally (see {@link ReplicaCore#claimOwner}). */
    public CompletableFuture<java.util.Optional<Bytes>> claimOwner(Bytes namespace, Bytes name) {
        return thread.submitClient(() -> {
            durable.keyspace().setTaskTime(clock.getAsLong());
            return CompletableFuture.completedFuture(core.claimOwner(namespace, name));
        });
    }

    /** The slot map every region computes alike from the membership (epoch 1; slots do not move yet). */
    public io.calmdb.replication.claim.ClaimAuthority claimAuthority() {
        return io.calmdb.replication.claim.ClaimAuthority.initial(allRegions());
    }

    private List<ReplicaId> allRegions() {
        List<ReplicaId> everyone = new ArrayList<>();
        everyone.add(config.replica());
        config.peers().forEach(peer -> everyone.add(peer.replica()));
        return everyone;
    }

    // ---- Pub/Sub (issue 9)

    /** The front door's subscriptions. */
    io.calmdb.server.resp.PubSubHub pubSub() {
        return resp.pubSub();
    }

    /**
     * {@code PUBLISH}: delivers to this node's subscribers now and hands the message to the replica core for every
     * other region, in the order this connection's thread published (the keyspace thread's queue is FIFO). Returns
     * the reply: the subscribers reached here, or an error for a channel or message past the core's bounds.
     */
    Reply publish(byte[] channel, byte[] message) {
        if (channel.length > ReplicaCore.publishChannelBytesMax()) {
            return Reply.error("ERR channel is " + channel.length + " bytes, more than the "
                    + ReplicaCore.publishChannelBytesMax() + " bytes a pub/sub channel may have");
        }
        if (message.length > ReplicaCore.publishMessageBytesMax()) {
            return Reply.error("ERR message is " + message.length + " bytes, more than the "
                    + ReplicaCore.publishMessageBytesMax() + " bytes a pub/sub message may have");
        }
        int reached = resp.pubSub().publish(channel, message);
        outgoingMessages.add(new PublishedMessage(channel, message));
        if (outgoingDrainQueued.compareAndSet(false, true)) {
            thread.execute(this::sendOutgoing);
        }
        return Reply.integer(reached);
    }

    /**
     * Messages published here and not yet handed to the core: a burst of PUBLISH (a pipeline, many clients) costs one
     * hand-off and one frame per peer. One FIFO queue, so each publisher's order holds. It holds at most what the
     * connections dispatched since the keyspace thread last ran, which the pipeline bound limits.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<PublishedMessage> outgoingMessages =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean outgoingDrainQueued = new AtomicBoolean();
    /** Messages from other regions delivered by the core in its current input (keyspace thread only). */
    private final List<PublishedMessage> arrivedMessages = new ArrayList<>();

    private void sendOutgoing() {
        outgoingDrainQueued.set(false);
        List<PublishedMessage> burst = new ArrayList<>();
        PublishedMessage next;
        while ((next = outgoingMessages.poll()) != null) {
            burst.add(next);
        }
        if (!burst.isEmpty()) {
            core.publish(burst);
        }
    }

    private void deliverArrived() {
        List<PublishedMessage> arrived = List.copyOf(arrivedMessages);
        arrivedMessages.clear();
        if (resp != null) {
            for (PublishedMessage message : arrived) {
                resp.pubSub().publish(message.channel(), message.message());
            }
        }
    }

    // ---- TIME, CONFIG and INFO (issue 9)

    /** The front door's settings, for {@code CONFIG GET maxclients}. */
    // ---- SECURITY (issue 11)

    /** The node's users: the default user with {@code requirepass}, then the ACL file's users when it exists. */
    private static io.calmdb.server.resp.AccessControl accessControl(NodeConfig config) {
        NodeConfig.Security security = config.security();
        io.calmdb.server.resp.AccessControl access = new io.calmdb.server.resp.AccessControl(security.requirepass(),
                security.aclFile());
        if (security.aclFile() != null && java.nio.file.Files.exists(security.aclFile())) {
            String error = access.load();
            if (error != null) {
                throw new IllegalStateException("cannot load the ACL file " + security.aclFile() + ": " + error);
            }
            if (security.requirepass() != null) {
                access.requirepass(security.requirepass());
            }
        }
        return access;
    }

    /** Logs loudly when a port listens beyond loopback while the node takes clients without a password. */
    private static void warnWhenExposed(NodeConfig config) {
        NodeConfig.Security security = config.security();
        boolean exposed = !isLoopbackHost(config.resp().host()) || !isLoopbackHost(config.http().host());
        if (exposed && security.requirepass() == null && security.aclFile() == null) {
            LOG.warn("WARNING: node {} listens for clients on {} (RESP) and {} (HTTP), beyond loopback, with no "
                    + "password: {}. Set 'requirepass' (and 'httpToken') in its YAML, and TLS; see docs/security.md",
                    config.replica(), config.resp().host(), config.http().host(), security.protectedMode()
                    ? "protected mode refuses every client that is not on loopback"
                    : "PROTECTED MODE IS OFF, SO ANYONE WHO CAN REACH THE PORT CAN READ AND WRITE EVERY KEY");
        }
        if (exposed && security.httpToken() == null) {
            LOG.warn("WARNING: node {} serves HTTP on {} without 'httpToken': HTTP writes are refused from clients "
                    + "not on loopback; see docs/security.md", config.replica(), config.http().host());
        }
    }

    private static boolean isLoopbackHost(String host) {
        return host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost") || host.startsWith("127.");
    }

    io.calmdb.server.resp.RespServerConfig respConfig() {
        return resp.config();
    }

    /**
     * {@code CONFIG RESETSTAT}: command and error statistics, the byte counters and the instantaneous rates start
     * again, and so do {@code INFO stats}' connection, command and expiry totals. Runs on the keyspace thread.
     */
    CompletableFuture<Void> resetStatistics() {
        return thread.submitClient(() -> {
            resp.commandStatistics().reset();
            io.calmdb.server.resp.RespServerStatistics front = resp.statistics();
            serverInfo.resetStatistics(front.commandsProcessed(), front.connectionsAccepted(),
                    front.connectionsRejected(), core.keysExpired());
            return CompletableFuture.completedFuture(null);
        });
    }

    // ---- QUORUM (issue 8): quorum reads; the decisions are the core's (ReplicaCore.quorumRead)

    /** How long a quorum read waits for its answers when the command names no timeout, in milliseconds. */
    public static final long QUORUM_TIMEOUT_MILLIS_DEFAULT = 1_000;
    /** The most keys one quorum read reads (one core quorum read per key, all at once). */
    public static final int QUORUM_KEYS_MAX = 128;

    /** Quorum reads waiting for the core's answer, by ticket (keyspace thread only). */
    private final Map<Long, CompletableFuture<io.calmdb.replication.core.QuorumReadOutcome>> quorumReads =
            new HashMap<>();
    private long nextQuorumTicket = 1;

    /** The number of regions in the cluster, this one included: the N of {@code W + R > N}. */
    public int clusterSize() {
        return config.peers().size() + 1;
    }

    /**
     * Reads each of {@code keys} from {@code replicas} replicas (this one included) and merges what they hold into
     * the local replica, which then answers the read command itself. Completes with the first failure when any key's
     * read fails (fewer than {@code replicas} answered within {@code timeoutMillis}), else with a success; it never
     * completes exceptionally for a timeout, so the caller cannot mistake a failed quorum for a local read.
     *
     * @throws IllegalArgumentException if {@code replicas} is not in [1, {@link #clusterSize()}], {@code keys} is
     *                                  empty or longer than {@link #QUORUM_KEYS_MAX}, or the timeout is not positive
     */
    public CompletableFuture<io.calmdb.replication.core.QuorumReadOutcome> quorumRead(List<Bytes> keys, int replicas,
            long timeoutMillis) {
        if (replicas < 1 || replicas > clusterSize()) {
            throw new IllegalArgumentException("replicas must be in [1, " + clusterSize() + "], got " + replicas);
        }
        if (keys.isEmpty() || keys.size() > QUORUM_KEYS_MAX) {
            throw new IllegalArgumentException("a quorum read reads 1 to " + QUORUM_KEYS_MAX + " keys, got "
                    + keys.size());
        }
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be > 0, got " + timeoutMillis);
        }
        List<CompletableFuture<io.calmdb.replication.core.QuorumReadOutcome>> each = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            each.add(new CompletableFuture<>());
        }
        try {
            thread.execute(() -> {
                for (int i = 0; i < keys.size(); i++) {
                    long ticket = nextQuorumTicket++;
                    quorumReads.put(ticket, each.get(i));
                    Bytes key = keys.get(i);
                    drive(() -> core.quorumRead(ticket, key, replicas, timeoutMillis, clock.getAsLong()));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return CompletableFuture.failedFuture(closing);
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            for (CompletableFuture<io.calmdb.replication.core.QuorumReadOutcome> one : each) {
                if (!one.join().succeeded()) {
                    return one.join();
                }
            }
            return each.get(0).join();
        });
    }

    private void completeQuorumRead(long ticket, io.calmdb.replication.core.QuorumReadOutcome outcome) {
        CompletableFuture<io.calmdb.replication.core.QuorumReadOutcome> reply = quorumReads.remove(ticket);
        if (reply != null) {
            answeredWaits.add(() -> reply.complete(outcome));
        }
    }

    /**
     * INFO's quorum section: the cluster size N, the core's counters, and for each {@code WAIT w} the smallest R
     * whose quorum reads see every write it acknowledged: such a write is on W = w + 1 regions (its origin and w
     * peers), and a read from R regions meets one of them when W + R > N.
     */
    private Map<String, Object> quorumInfo() {
        Map<String, Object> quorum = new LinkedHashMap<>(core.quorumStatus());
        int regions = clusterSize();
        quorum.put("quorum_rule", "a write answered by WAIT w is on W=w+1 regions; QUORUM R r sees it when W+R>N");
        for (int wait = 0; wait < regions; wait++) {
            quorum.put("quorum_r_seeing_wait_" + wait, regions - wait);
        }
        int majorityWait = regions / 2;
        quorum.put("quorum_majority", "WAIT " + majorityWait + " + QUORUM R " + (regions - majorityWait)
                + (majorityWait + 1 + regions - majorityWait > regions ? ": W+R>N holds" : ": W+R>N does not hold"));
        return quorum;
    }

    // ---- ESCROW (issue 8): BC.DECRBY waits in the core for rights; its reply is released here

    /** Decrements waiting for the core's answer, by ticket, with their connection (keyspace thread only). */
    private final Map<Long, Object[]> boundedDecrements = new HashMap<>();
    private long nextBoundedTicket = 1;

    /** {@code BC.DECRBY}: hands the decrement to the core; completes with the value or the core's error. */
    CompletionStage<Reply> boundedDecrement(Connection connection, Bytes key, long amount, long timeoutMillis) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        thread.execute(() -> {
            long ticket = nextBoundedTicket++;
            boundedDecrements.put(ticket, new Object[] {reply, connection});
            drive(() -> core.boundedDecrement(ticket, key, amount, timeoutMillis, clock.getAsLong()));
        });
        return reply.exceptionally(error -> Reply.error(KeyspaceCommands.NOT_DURABLE + rootMessage(error)));
    }

    private void boundedDecrementAnswered(long ticket, long sequence, long value, String error) {
        Object[] waiting = boundedDecrements.remove(ticket);
        if (waiting == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Reply> reply = (CompletableFuture<Reply>) waiting[0];
        if (error != null) {
            answeredWaits.add(() -> reply.complete(Reply.error(error)));
            return;
        }
        if (waiting[1] instanceof Connection connection) {
            ConnectionState.of(connection).lastWriteSequence.accumulateAndGet(sequence, Math::max);
        }
        // Released with the other replies once the decrement's log record is durable (see drive).
        pendingReplies.addLast(new PendingReply(sequence, reply, Reply.integer(value)));
    }
}
