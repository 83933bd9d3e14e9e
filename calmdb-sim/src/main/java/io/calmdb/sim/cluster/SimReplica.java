package io.calmdb.sim.cluster;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.core.Recovery;
import io.calmdb.replication.core.ReplicaCore;
import io.calmdb.replication.core.ReplicaCoreConfig;
import io.calmdb.replication.core.ReplicaEffects;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.sim.SimNetwork;
import io.calmdb.sim.Simulation;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One simulated node: the real {@link ReplicaCore} and {@link Keyspace}, driven the way the server drives them, but
 * over the simulated network, a {@link SimDisk} and a skewed virtual clock. It crashes (losing what its fsync policy
 * does not protect) and restarts by replaying its disk, as the server recovers from RocksDB.
 */
final class SimReplica {
    /** How often the driver ticks the core, in milliseconds (as the server does). */
    static final long TICK_MILLIS = 20;
    /** How often the {@code everysec} policy syncs, in milliseconds. */
    static final long EVERYSEC_SYNC_MILLIS = 1_000;
    /** The core's digest interval in the simulation, in milliseconds. */
    static final long ANTI_ENTROPY_INTERVAL_MILLIS = 500;
    /** Virtual time added to every node's clock so that skewed clocks stay positive. */
    static final long CLOCK_BASE_MILLIS = 1_700_000_000_000L;

    /** How often the core checkpoints in the simulation, in milliseconds (often, so recovery starts from one). */
    static final long CHECKPOINT_INTERVAL_MILLIS = 700;

    /**
     * A record on the simulated disk: a delta, or a committed checkpoint. A checkpoint record holds the states its
     * checkpoint wrote (null for a removed key), the context and delivered vector, and the index of the first record
     * it does not cover; being one record, it commits atomically and survives a crash only as a record does.
     */
    sealed interface DiskRecord {
        record Delta(ReplicaId origin, long sequence, byte[] encoded) implements DiskRecord {}

        record Checkpoint(Map<Bytes, byte[]> states, CausalContext context, VersionVector delivered,
                int firstUncoveredRecord) implements DiskRecord {}
    }

    /** Told when a client write is acknowledged and when a WAIT is answered. */
    interface Listener {
        void acknowledged(ReplicaId node, Object write);

        /** {@code committedAtMillis}: the virtual time the awaited write was handed to the core. */
        void waitAnswered(ReplicaId node, long sequence, int replicas, long committedAtMillis);

        /** The claim {@link SimReplica#claim} registered as {@code ticket} has its answer. */
        default void claimAnswered(ReplicaId node, long ticket, io.calmdb.replication.claim.ClaimResult result) {}

        /** A pub/sub message from {@code origin} reached {@code node}'s core (issue 9). */
        default void published(ReplicaId node, ReplicaId origin, byte[] channel, byte[] message) {}

        /**
         * A bounded-counter decrement ({@link #boundedDecrement}) was answered: the value after it, or the error;
         * a success is reported only once the decrement is durable.
         */
        default void boundedAnswered(ReplicaId node, long ticket, long value, String error) {
            throw new UnsupportedOperationException("this simulation does not decrement bounded counters");
        }
    }

    /** What a durable bounded-counter decrement's pending reply carries. */
    private record BoundedReply(long ticket, long value) {}

    private record PendingReply(long sequence, Object write) {}

    private record PendingWait(long sequence, long committedAtMillis) {}

    private final ReplicaId id;
    private final List<ReplicaId> peers;
    private final Simulation simulation;
    private final SimNetwork<byte[]> network;
    private final Durability durability;
    private final ClusterScenario.PlantedBug bug;
    private long clockSkewMillis;
    private final Listener listener;
    private final SimDisk<DiskRecord> disk = new SimDisk<>();
    private final ArrayDeque<PendingReply> pendingReplies = new ArrayDeque<>();
    private final Map<Long, PendingWait> waits = new HashMap<>();
    private Keyspace keyspace;
    private ReplicaCore core;
    private int incarnation;
    private int restarts;
    private int recoveriesFromCheckpoint;
    private long lastCrashMillis = -1;
    /** When each local sequence was committed, for the WAIT check (sequences lost in a crash are reused). */
    private final Map<Long, Long> committedAtMillis = new HashMap<>();
    private long nextTicket = 1;
    private long lastLocalAppended;
    private boolean diskEventQueued;
    // The checkpoint the core is writing: its states so far and the first record it does not cover.
    private Map<Bytes, byte[]> checkpointStates;
    private int checkpointFirstUncovered;
    // The disk index of the checkpoint record awaiting durability, or -1.
    private int checkpointCommitRecord = -1;

    SimReplica(ReplicaId id, List<ReplicaId> peers, Simulation simulation, SimNetwork<byte[]> network,
            Durability durability, ClusterScenario.PlantedBug bug, long clockSkewMillis, Listener listener) {
        this.id = id;
        this.peers = List.copyOf(peers);
        this.simulation = simulation;
        this.network = network;
        this.durability = durability;
        this.bug = bug;
        this.clockSkewMillis = clockSkewMillis;
        this.listener = listener;
        network.register(id, (from, message) -> {
            if (core != null) {
                core.onMessage(from, message, now());
            }
        });
    }

    ReplicaId id() {
        return id;
    }

    boolean up() {
        return core != null;
    }

    int restarts() {
        return restarts;
    }

    /** Restarts that began from a committed checkpoint (not from the log alone). */
    int recoveriesFromCheckpoint() {
        return recoveriesFromCheckpoint;
    }

    /** The virtual time of the latest crash, or -1. */
    long lastCrashMillis() {
        return lastCrashMillis;
    }

    Keyspace keyspace() {
        return keyspace;
    }

    ReplicaCore core() {
        return core;
    }

    /** Counts restarts: a callback scheduled in one life of the node must not act in the next. */
    int incarnation() {
        return incarnation;
    }

    long now() {
        return CLOCK_BASE_MILLIS + simulation.nowMillis() + clockSkewMillis;
    }

    /**
     * Starts the node from what its disk holds (nothing, the first time), as the server recovers: the checkpointed
     * key states, then the delta records no checkpoint covered, then the checkpointed context (last, so that the
     * replayed records' own dots are not mistaken for already-seen ones).
     */
    void start() {
        if (core != null) {
            throw new IllegalStateException(id + " is already up");
        }
        Map<Bytes, byte[]> states = new java.util.TreeMap<>();
        CausalContext checkpointedContext = null;
        VersionVector delivered = VersionVector.empty();
        int firstUncovered = 0;
        List<DiskRecord> records = disk.records();
        for (DiskRecord record : records) {
            if (record instanceof DiskRecord.Checkpoint checkpoint) {
                states.putAll(checkpoint.states());
                checkpointedContext = checkpoint.context();
                delivered = checkpoint.delivered();
                firstUncovered = checkpoint.firstUncoveredRecord();
            }
        }
        keyspace = new Keyspace(id);
        // The server's recovery procedure, fed from the simulated disk.
        Recovery recovery = new Recovery(keyspace);
        try {
            for (byte[] state : states.values()) {
                if (state != null) {
                    recovery.checkpointState(state);
                }
            }
            for (int index = firstUncovered; index < records.size(); index++) {
                if (records.get(index) instanceof DiskRecord.Delta delta) {
                    recovery.logRecord(delta.origin(), delta.sequence(), delta.encoded());
                }
            }
        } catch (CodecException e) {
            throw new IllegalStateException("a simulated disk record does not decode: " + e.getMessage(), e);
        }
        delivered = recovery.finish(checkpointedContext, delivered);
        if (checkpointedContext != null) {
            recoveriesFromCheckpoint++;
        }
        java.util.Set<Bytes> replayed = recovery.replayedKeys();
        lastLocalAppended = delivered.get(id);
        ReplicaCoreConfig config = new ReplicaCoreConfig(id, peers, ReplicaCoreConfig.RETRANSMIT_PERIOD_MILLIS_DEFAULT,
                ReplicaCoreConfig.HOLD_BACK_MESSAGES_MAX_DEFAULT, ANTI_ENTROPY_INTERVAL_MILLIS,
                16 * 1024, ReplicaCoreConfig.WAITERS_MAX_DEFAULT, CHECKPOINT_INTERVAL_MILLIS, 8);
        core = new ReplicaCore(config, keyspace, delivered, new Effects());
        core.markDirty(replayed);
        checkpointStates = null;
        checkpointCommitRecord = -1;
        core.start(now());
        network.setUp(id, true);
        int born = incarnation;
        scheduleTick(born);
        if (durability == Durability.EVERYSEC) {
            scheduleEverysecSync(born);
        }
    }

    /** Crashes the node: the process dies, and with {@code always} the machine loses power too. */
    void crash() {
        crash(durability == Durability.ALWAYS);
    }

    /**
     * Crashes the node, losing what was not written ({@code powerLoss} false: a {@code kill -9}) or not synced
     * ({@code powerLoss} true). The claim simulation cuts the power under {@code everysec} too, which only a forced
     * sync of the authority's decisions survives.
     */
    void crash(boolean powerLoss) {
        if (core == null) {
            return;
        }
        incarnation++;
        restarts++;
        lastCrashMillis = simulation.nowMillis();
        core = null;
        keyspace = null;
        pendingReplies.clear();
        waits.clear();
        quorumReads.clear();
        diskEventQueued = false;
        network.setUp(id, false);
        syncRequested = false;
        if (powerLoss) {
            disk.losePower();
        } else {
            disk.crashProcess();
        }
    }

    // ---- CLAIMS (issue 8)

    /** Whether a record that must be synced whatever the policy (a claim decision) waits in the log's next event. */
    private boolean syncRequested;

    /** A client's claim: answered through {@link Listener#claimAnswered} with {@code ticket}. */
    void claim(long ticket, io.calmdb.replication.claim.ClaimRequest request, long timeoutMillis) {
        keyspace.setTaskTime(now());
        core.claim(ticket, request, timeoutMillis, now());
    }

    /** A client write: applies it, hands its delta to the core, and acknowledges it once the core says so. */
    void write(Object write, Keyspace.Write<?> applied) {
        long sequence = core.commitLocal(applied.delta());
        if (sequence == 0) {
            listener.acknowledged(id, write);
            return;
        }
        pendingReplies.addLast(new PendingReply(sequence, write));
        committedAtMillis.put(sequence, simulation.nowMillis());
    }

    /**
     * Moves this node's clock by {@code millis} (negative: backwards), as an operator or NTP step would; the next
     * restart keeps the new reading.
     */
    void stepClock(long millis) {
        clockSkewMillis += millis;
    }

    /**
     * A client's {@code BC.DECRBY key amount} with a wait of {@code timeoutMillis}, answered to the listener with
     * {@code ticket} (the caller's own numbering).
     */
    void boundedDecrement(long ticket, Bytes key, long amount, long timeoutMillis) {
        core.boundedDecrement(ticket, key, amount, timeoutMillis, now());
    }

    /** A client's {@code WAIT replicas timeout} after its newest acknowledged write {@code sequence}. */
    void await(long sequence, int replicas, long timeoutMillis) {
        long ticket = nextTicket++;
        waits.put(ticket, new PendingWait(sequence, committedAtMillis.getOrDefault(sequence, 0L)));
        core.await(ticket, sequence, replicas, timeoutMillis, now());
    }

    /** The newest local write acknowledged to a client, for {@code WAIT}. */
    long durableLocalSequence() {
        return core.durableLocalSequence();
    }

    private void scheduleTick(int born) {
        simulation.after(TICK_MILLIS, () -> {
            if (incarnation == born && core != null) {
                core.tick(now());
                scheduleTick(born);
            }
        });
    }

    private void scheduleEverysecSync(int born) {
        simulation.after(EVERYSEC_SYNC_MILLIS, () -> {
            if (incarnation == born) {
                disk.sync();
                scheduleEverysecSync(born);
            }
        });
    }

    /**
     * The log's completion: under {@code always} a group commit (write and sync) after a disk latency, under
     * {@code everysec} a write after a shorter one; either way one event covers every record appended before it.
     */
    private void queueDiskEvent() {
        if (diskEventQueued) {
            return;
        }
        diskEventQueued = true;
        int born = incarnation;
        long latency = durability == Durability.ALWAYS ? 1 + simulation.random().nextLong(3)
                : simulation.random().nextLong(2);
        simulation.after(latency, () -> {
            if (incarnation != born) {
                return;
            }
            diskEventQueued = false;
            if (durability == Durability.ALWAYS || (syncRequested && bug != ClusterScenario.PlantedBug.CLAIMS_UNSYNCED)) {
                disk.writeAndSync();
            } else {
                disk.write();
            }
            syncRequested = false;
            if (bug != ClusterScenario.PlantedBug.ACKNOWLEDGE_BEFORE_DURABLE) {
                core.onLocalDurable(lastLocalAppended, now());
            }
            if (checkpointCommitRecord >= 0 && checkpointCommitRecord < disk.written()) {
                checkpointCommitRecord = -1;
                core.onCheckpointFinished(true);
            }
        });
    }

    private final class Effects implements ReplicaEffects {
        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            network.send(id, peer, message);
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            disk.append(new DiskRecord.Delta(id, sequence, encodedDelta));
            lastLocalAppended = sequence;
            queueDiskEvent();
            if (bug == ClusterScenario.PlantedBug.ACKNOWLEDGE_BEFORE_DURABLE) {
                int born = incarnation;
                simulation.after(0, () -> {
                    if (incarnation == born && core != null) {
                        core.onLocalDurable(sequence, now());
                    }
                });
            }
        }

        @Override
        public void appendLocalSynced(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            syncRequested = true;
            appendLocal(sequence, delta, encodedDelta);
        }

        @Override
        public void claimAnswered(long ticket, io.calmdb.replication.claim.ClaimResult result) {
            listener.claimAnswered(id, ticket, result);
        }

        @Override
        public void appendRemote(Dot delta, OrMap<Bytes, KeyValue> state, byte[] encodedDelta) {
            disk.append(new DiskRecord.Delta(delta.replica(), delta.counter(), encodedDelta));
            queueDiskEvent();
        }

        @Override
        public void durableThrough(long sequence) {
            while (!pendingReplies.isEmpty() && pendingReplies.peekFirst().sequence() <= sequence) {
                Object write = pendingReplies.pollFirst().write();
                if (write instanceof BoundedReply reply) {
                    listener.boundedAnswered(id, reply.ticket(), reply.value(), null);
                } else {
                    listener.acknowledged(id, write);
                }
            }
        }

        @Override
        public void waitAnswered(long ticket, int replicas) {
            PendingWait wait = waits.remove(ticket);
            if (wait != null) {
                listener.waitAnswered(id, wait.sequence(), replicas, wait.committedAtMillis());
            }
        }

        @Override
        public void quorumReadAnswered(long ticket, io.calmdb.replication.core.QuorumReadOutcome outcome) {
            java.util.function.Consumer<io.calmdb.replication.core.QuorumReadOutcome> answer = quorumReads.remove(ticket);
            if (answer != null) {
                // Answered after the core's input returns, as the server does: the reader may look at the keyspace.
                int born = incarnation;
                simulation.after(0, () -> {
                    if (incarnation == born && core != null) {
                        answer.accept(outcome);
                    }
                });
            }
        }

        @Override
        public void boundedAnswered(long ticket, long sequence, long value, String error) {
            if (sequence == 0) {
                listener.boundedAnswered(id, ticket, value, error);
            } else {
                pendingReplies.addLast(new PendingReply(sequence, new BoundedReply(ticket, value)));
            }
        }

        @Override
        public void checkpointBegin() {
            checkpointStates = new java.util.TreeMap<>();
            checkpointFirstUncovered = disk.appended();
        }

        @Override
        public void checkpointState(Bytes key, byte[] encodedState) {
            checkpointStates.put(key, encodedState);
        }

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {
            checkpointCommitRecord = disk.append(new DiskRecord.Checkpoint(
                    java.util.Collections.unmodifiableMap(checkpointStates), context, delivered, checkpointFirstUncovered));
            checkpointStates = null;
            queueDiskEvent();
        }

        @Override
        public void published(ReplicaId origin, byte[] channel, byte[] message) {
            listener.published(id, origin, channel, message);
        }

        @Override
        public void note(String message) {
            if (simulation.tracing()) {
                simulation.trace(id + ": " + message);
            }
        }
    }

    // ---- QUORUM (issue 8): quorum reads, driven as the server drives them

    private final Map<Long, java.util.function.Consumer<io.calmdb.replication.core.QuorumReadOutcome>> quorumReads =
            new HashMap<>();

    /**
     * A client's quorum read of {@code key} from {@code replicas} replicas; {@code answer} runs (in a later event,
     * with the merge in this replica's keyspace) unless the node crashes first.
     */
    void quorumRead(Bytes key, int replicas, long timeoutMillis,
            java.util.function.Consumer<io.calmdb.replication.core.QuorumReadOutcome> answer) {
        long ticket = nextTicket++;
        quorumReads.put(ticket, answer);
        core.quorumRead(ticket, key, replicas, timeoutMillis, now());
    }
}
