package io.calmdb.replication.core;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.CausalStream;
import io.calmdb.replication.broadcast.Outbox;
import io.calmdb.replication.broadcast.RelayMessage;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One replica's decisions, as a sans-IO state machine: the server drives it over Netty, RocksDB and the real clock,
 * and {@code ./calmdb sim cluster} drives the very same object over a simulated network, disk and clock.
 *
 * <p>Inputs are method calls that carry {@code nowMillis}: a local write's delta ({@link #commitLocal}), the log's
 * report that local records are durable ({@link #onLocalDurable}), a peer's message ({@link #onMessage}), a
 * {@code WAIT} ({@link #await}) and the periodic {@link #tick}. Outputs go to the {@link ReplicaEffects} given at
 * construction: log appends, messages to peers, released replies, answered waits.
 *
 * <p>The write path: a write is applied to the keyspace by the caller, handed here, numbered with this replica's
 * next broadcast sequence (the one counter of it) and appended to the log. Once the log reports it durable, every
 * reply waiting on it is released and the delta is broadcast on the causal stream. A broadcast id that differs from
 * the logged sequence means two counters drifted, and the core throws rather than ship a stream that would be
 * misnumbered at every peer.
 *
 * <p>Repair: every {@link ReplicaCoreConfig#antiEntropyIntervalMillis()} a digest (causal context and delivered
 * vector) goes to each peer. A peer whose context lacks what this replica had seen one round earlier is repaired:
 * by the stream's own resends when it still holds every message the peer misses from this replica and the peer
 * lacks nothing from anyone else; otherwise by a state transfer in chunks of at most
 * {@link ReplicaCoreConfig#chunkBytesMax()}: self-contained per-key partial states, then the context and delivered
 * vector captured when the transfer began. The receiver joins the chunks as one complete state (which applies the
 * sender's removals too) and skips its stream past what the state included. Each chunk covers a range of the key
 * list the transfer captured, so a receiver that misses one (lost, or overtaken by the next) asks the sender to go on
 * from the first key it lacks: on a link that drops or reorders one message in twenty, a transfer of hundreds of
 * chunks still completes, where one that had to arrive whole in one try never did.
 *
 * <p>Not thread-safe: one driver thread (or the simulator) calls it.
 */
public final class ReplicaCore {
    private final ReplicaCoreConfig config;
    private final ReplicaId self;
    private final Keyspace keyspace;
    private final ReplicaEffects effects;
    private final CausalStream<byte[]> stream;
    private final Outbox<RelayMessage<byte[]>, byte[]> outbox;

    // The write path: local deltas appended to the log but not yet reported durable, in sequence order.
    private record PendingLocal(long sequence, byte[] encoded) {}

    private final ArrayDeque<PendingLocal> awaitingDurability = new ArrayDeque<>();
    private long lastLocalSequence;
    private long durableLocalSequence;

    // Repair.
    private long nextDigestAtMillis;
    private CausalContext contextOneRoundAgo = new CausalContext();
    private VersionVector deliveredOneRoundAgo = VersionVector.empty();
    private final Map<ReplicaId, OutgoingTransfer> outgoing = new TreeMap<>();
    private final Map<ReplicaId, IncomingTransfer> incoming = new HashMap<>();
    private record CompletedTransfer(long transferId, long fingerprint) {}

    /** Per peer, the last transfer applied from it, so a late duplicate of its chunks or End starts nothing. */
    private final Map<ReplicaId, CompletedTransfer> completed = new HashMap<>();
    /** Digest rounds a sender keeps a transfer whose End went out but which the peer has not taken in. */
    static final int TRANSFER_DIGESTS_AFTER_END_MAX = 8;
    private final Map<ReplicaId, VersionVector> peerDelivered = new TreeMap<>();
    // Per peer, the delivered vector of the digest before its previous one (see streamsRepair).
    private final Map<ReplicaId, VersionVector> peerDeliveredBefore = new HashMap<>();
    private long nextTransferId = 1;

    // Acknowledgements and WAIT.
    private final Map<ReplicaId, ContiguousAcks> acknowledged = new TreeMap<>();

    private record Waiter(long ticket, long sequence, int replicas, long deadlineMillis) {}

    private final List<Waiter> waiters = new ArrayList<>();

    // Relay messages (deltas, acknowledgements) buffered during one input, per peer, flushed as one batch at its
    // end. Bounded by BATCH_BYTES_MAX and ReplicationMessage.BATCH_MESSAGES_MAX: a full batch is flushed at once.
    private final Map<ReplicaId, List<RelayMessage<byte[]>>> relayBuffer = new TreeMap<>();
    private final Map<ReplicaId, Integer> relayBufferBytes = new HashMap<>();
    /** A batch is flushed once its payloads reach this many bytes, so a batch frame stays modest. */
    static final int BATCH_BYTES_MAX = 1024 * 1024;
    private long batchesSent;
    private long relayMessagesSent;

    // Checkpoints: keys changed since the last checkpoint began, and the checkpoint under way (null when none).
    private final java.util.LinkedHashSet<Bytes> dirtyKeys = new java.util.LinkedHashSet<>();
    private List<Bytes> checkpointKeys;
    private int checkpointNextKey;
    private boolean checkpointCommitting;
    private long nextCheckpointAtMillis;
    private long checkpointsCommitted;
    private long checkpointsFailed;

    // Counters.
    private long transfersSent;
    private long transfersReceived;
    private long transfersAvoided;
    private long transfersResumed;
    private long transfersAbandoned;
    private long malformedMessages;
    /** Deltas a peer sent in another region's name, dropped (issue 11). */
    private long forgedOriginMessages;
    private long remoteDeltasApplied;

    /**
     * A core over {@code keyspace} (already recovered by the driver), resuming the causal stream at
     * {@code recoveredDelivered}: what the durable state had delivered from each origin, this replica included.
     */
    public ReplicaCore(ReplicaCoreConfig config, Keyspace keyspace, VersionVector recoveredDelivered,
            ReplicaEffects effects) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.self = config.self();
        this.keyspace = java.util.Objects.requireNonNull(keyspace, "keyspace");
        this.effects = java.util.Objects.requireNonNull(effects, "effects");
        if (!keyspace.replica().equals(self)) {
            throw new IllegalArgumentException("keyspace belongs to " + keyspace.replica() + ", not to " + self);
        }
        List<ReplicaId> everyone = new ArrayList<>(config.peers());
        everyone.add(self);
        this.stream = Broadcasts.causalStream(self, everyone, config.retransmitPeriodMillis(),
                config.holdBackMessagesMax(), recoveredDelivered);
        this.lastLocalSequence = recoveredDelivered.get(self);
        this.durableLocalSequence = lastLocalSequence;
        for (ReplicaId peer : config.peers()) {
            // After a restart nothing is known of what the peers hold: their first digests tell. Starting from the
            // recovered sequence instead would count a peer that was partitioned before the crash as holding every
            // write the log recovered, and a later WAIT would count it for writes it can never deliver.
            acknowledged.put(peer, new ContiguousAcks(0));
        }
        keyspace.useIdRegionIndex(idRegionIndex());
        this.outbox = new Outbox<>() {
            @Override
            public void send(ReplicaId to, RelayMessage<byte[]> message) {
                bufferRelay(to, message);
            }

            @Override
            public void deliver(Dot id, byte[] payload) {
                if (!id.replica().equals(self)) {
                    applyRemote(id, payload);
                }
            }

            @Override
            public void wakeAt(long atMillis) {
                // The driver ticks the core every few milliseconds; the stream re-checks what is due at each tick.
            }
        };
    }

    /** Called once before any other input. */
    public void start(long nowMillis) {
        List<ReplicaId> everyone = new ArrayList<>(config.peers());
        everyone.add(self);
        claims = new Claims(self, everyone, keyspace, effects, new ClaimHost(), nowMillis);
        publishIncarnation = Math.max(0, nowMillis);
        stream.start(nowMillis, outbox);
        nextDigestAtMillis = nowMillis;
        nextCheckpointAtMillis = nowMillis + config.checkpointIntervalMillis();
        startQuorumReads(nowMillis);
        flushRelays();
    }

    public ReplicaId self() {
        return self;
    }

    public Keyspace keyspace() {
        return keyspace;
    }

    // ------------------------------------------------------------------------------------------------------
    // The write path

    /**
     * A local write's delta, already applied to the keyspace: numbers it with this replica's next broadcast
     * sequence and appends it to the log. Returns the sequence, which the driver uses to release the write's reply
     * once {@link ReplicaEffects#durableThrough} reaches it; 0 when {@code delta} is null (nothing changed, nothing
     * to wait for beyond earlier writes).
     */
    public long commitLocal(OrMap<Bytes, KeyValue> delta) {
        return commit(delta, false);
    }

    private long commit(OrMap<Bytes, KeyValue> delta, boolean synced) {
        if (delta == null) {
            return 0;
        }
        long sequence = ++lastLocalSequence;
        byte[] encoded = Codecs.encode(Keyspace.CODEC, delta);
        dirtyKeys.addAll(delta.touchedKeys());
        dirtyKeys.addAll(keyspace.drainKeysRemovedUnlisted());
        keyspace.indexDeadlines(delta);
        keyspace.changed(delta.touchedKeys());
        awaitingDurability.addLast(new PendingLocal(sequence, encoded));
        if (synced) {
            effects.appendLocalSynced(sequence, delta, encoded);
        } else {
            effects.appendLocal(sequence, delta, encoded);
        }
        return sequence;
    }

    /**
     * The log reports every local record through {@code sequence} durable: release their replies and ship the
     * deltas. Reports must come in order; a report past the last committed sequence is a driver bug.
     */
    public void onLocalDurable(long sequence, long nowMillis) {
        try {
            localDurable(sequence, nowMillis);
        } finally {
            flushRelays();
        }
    }

    private void localDurable(long sequence, long nowMillis) {
        currentNowMillis = nowMillis;
        if (sequence > lastLocalSequence) {
            throw new IllegalStateException("the log reported local record " + sequence + " durable, but only "
                    + lastLocalSequence + " were appended");
        }
        if (sequence <= durableLocalSequence) {
            return;
        }
        while (!awaitingDurability.isEmpty() && awaitingDurability.peekFirst().sequence() <= sequence) {
            PendingLocal pending = awaitingDurability.pollFirst();
            Dot id = stream.broadcast(pending.encoded(), nowMillis, outbox);
            if (id.counter() != pending.sequence()) {
                throw new IllegalStateException("broadcast id " + id + " does not match the logged sequence "
                        + pending.sequence() + ": the stream and the log disagree on this replica's numbering");
            }
        }
        durableLocalSequence = sequence;
        effects.durableThrough(sequence);
        claims.durableThrough(sequence);
    }

    /** The sequence of the newest local write handed to the log. */
    public long lastLocalSequence() {
        return lastLocalSequence;
    }

    /** The sequence through which local writes are durable (and broadcast). */
    public long durableLocalSequence() {
        return durableLocalSequence;
    }

    // ------------------------------------------------------------------------------------------------------
    // WAIT

    /**
     * {@code WAIT replicas timeout} for a client whose newest write is {@code sequence}: answered through
     * {@link ReplicaEffects#waitAnswered} with {@code ticket} once {@code replicas} peers acknowledged everything
     * through it, or at the deadline with how many had (0 timeout: no deadline). Answered at once when already
     * satisfied or when {@link ReplicaCoreConfig#waitersMax()} waits are blocked.
     */
    public void await(long ticket, long sequence, long replicas, long timeoutMillis, long nowMillis) {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeoutMillis must be >= 0, got " + timeoutMillis);
        }
        int acknowledging = peersAcknowledging(sequence);
        if (acknowledging >= replicas || waiters.size() >= config.waitersMax()) {
            effects.waitAnswered(ticket, acknowledging);
            return;
        }
        long deadline = timeoutMillis == 0 ? Long.MAX_VALUE : nowMillis + timeoutMillis;
        waiters.add(new Waiter(ticket, sequence, (int) Math.min(replicas, Integer.MAX_VALUE), deadline));
    }

    /** How many peers have acknowledged this replica's write {@code sequence} and everything before it. */
    public int peersAcknowledging(long sequence) {
        int count = 0;
        for (ContiguousAcks acks : acknowledged.values()) {
            if (acks.floor() >= sequence) {
                count++;
            }
        }
        return count;
    }

    /** The acknowledged prefix of this replica's writes at each peer. */
    public Map<ReplicaId, Long> acknowledgedByPeer() {
        Map<ReplicaId, Long> result = new LinkedHashMap<>();
        acknowledged.forEach((peer, acks) -> result.put(peer, acks.floor()));
        return result;
    }

    private void acknowledgementsAdvanced() {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            int acknowledging = peersAcknowledging(waiter.sequence());
            if (acknowledging >= waiter.replicas()) {
                it.remove();
                effects.waitAnswered(waiter.ticket(), acknowledging);
            }
        }
    }

    private void expireWaiters(long nowMillis) {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (nowMillis >= waiter.deadlineMillis()) {
                it.remove();
                effects.waitAnswered(waiter.ticket(), peersAcknowledging(waiter.sequence()));
            }
        }
    }

    /** {@code WAIT} commands blocked now. */
    public int waitersBlocked() {
        return waiters.size();
    }

    // ------------------------------------------------------------------------------------------------------
    // Peers

    /** A message from {@code from}. Malformed messages are counted and dropped: a peer cannot crash this replica. */
    public void onMessage(ReplicaId from, byte[] bytes, long nowMillis) {
        try {
            message(from, bytes, nowMillis);
            serveRightsWaiters();
        } finally {
            flushRelays();
        }
    }

    private void message(ReplicaId from, byte[] bytes, long nowMillis) {
        currentNowMillis = nowMillis;
        if (!acknowledged.containsKey(from)) {
            malformedMessages++;
            effects.note("dropping a replication message from " + from + ", which is not a peer of " + self);
            return;
        }
        ReplicationMessage message;
        try {
            message = ReplicationMessage.decode(bytes);
        } catch (CodecException e) {
            malformedMessages++;
            effects.note("dropping a malformed replication message from " + from + ": " + e.getMessage());
            return;
        }
        switch (message) {
            case ReplicationMessage.Broadcast broadcast -> {
                receiveRelay(from, broadcast.message(), nowMillis);
                acknowledgementsAdvanced();
            }
            case ReplicationMessage.Batch batch -> {
                for (RelayMessage<byte[]> relay : batch.messages()) {
                    receiveRelay(from, relay, nowMillis);
                }
                acknowledgementsAdvanced();
            }
            case ReplicationMessage.Digest digest -> onDigest(from, digest, nowMillis);
            case ReplicationMessage.Chunk chunk -> onChunk(from, chunk, nowMillis);
            case ReplicationMessage.End end -> onEnd(from, end, nowMillis);
            case ReplicationMessage.ClaimRequestMessage claim -> claims.onRequest(from, claim, nowMillis);
            case ReplicationMessage.ClaimDecisionMessage decision -> claims.onDecision(from, decision, nowMillis);
            case ReplicationMessage.Resume resume -> onResume(from, resume);
            case ReplicationMessage.Publish publish -> onPublish(from, publish);
            case ReplicationMessage.ReadRequest request -> onReadRequest(from, request);
            case ReplicationMessage.ReadResponse response -> onReadResponse(from, response);
            case ReplicationMessage.RightsRequest request -> onRightsRequest(from, request, nowMillis);
        }
        claims.deliveredAdvanced();
    }

    private void receiveRelay(ReplicaId from, RelayMessage<byte[]> relay, long nowMillis) {
        if (relay instanceof RelayMessage.Data<byte[]> data && !data.id().replica().equals(from)) {
            // The causal stream does not relay: a peer sends only its own writes, so a delta in another region's
            // name on this link is forged (issue 11). Dropped unapplied and unacknowledged, and counted.
            forgedOriginMessages++;
            effects.note("dropping a delta from " + from + " that claims to be " + data.id() + " of "
                    + data.id().replica() + ": a peer may send only its own writes");
            return;
        }
        if (relay instanceof RelayMessage.Ack<byte[]> ack && ack.id().replica().equals(self)) {
            acknowledged.get(from).add(ack.id().counter());
        }
        stream.receive(from, relay, nowMillis, outbox);
    }

    private void bufferRelay(ReplicaId to, RelayMessage<byte[]> message) {
        List<RelayMessage<byte[]>> buffered = relayBuffer.computeIfAbsent(to, peer -> new ArrayList<>());
        buffered.add(message);
        int bytes = relayBufferBytes.merge(to, message instanceof RelayMessage.Data<byte[]> data
                ? data.payload().length + 32 : 16, Integer::sum);
        if (bytes >= BATCH_BYTES_MAX || buffered.size() >= ReplicationMessage.BATCH_MESSAGES_MAX) {
            flushRelays(to, buffered);
        }
    }

    /** Sends what one input buffered: one message per peer (a plain one when it is alone, a batch otherwise). */
    private void flushRelays() {
        for (Map.Entry<ReplicaId, List<RelayMessage<byte[]>>> entry : relayBuffer.entrySet()) {
            flushRelays(entry.getKey(), entry.getValue());
        }
    }

    private void flushRelays(ReplicaId peer, List<RelayMessage<byte[]>> buffered) {
        if (buffered.isEmpty()) {
            return;
        }
        ReplicationMessage message = buffered.size() == 1 ? new ReplicationMessage.Broadcast(buffered.get(0))
                : new ReplicationMessage.Batch(buffered);
        // A refused send needs no handling: the stream resends what the peer does not acknowledge.
        effects.send(peer, ReplicationMessage.encode(message));
        batchesSent++;
        relayMessagesSent += buffered.size();
        buffered.clear();
        relayBufferBytes.put(peer, 0);
    }

    /** Periodic work: resends, digests, paced transfer chunks and WAIT deadlines. */
    public void tick(long nowMillis) {
        try {
            periodic(nowMillis);
        } finally {
            flushRelays();
        }
    }

    private void periodic(long nowMillis) {
        currentNowMillis = nowMillis;
        stream.tick(nowMillis, outbox);
        if (nowMillis >= nextDigestAtMillis) {
            sendDigests();
            nextDigestAtMillis = nowMillis + config.antiEntropyIntervalMillis();
        }
        for (Map.Entry<ReplicaId, OutgoingTransfer> entry : outgoing.entrySet()) {
            entry.getValue().pump(entry.getKey());
        }
        long staleAfterMillis = TRANSFER_DIGESTS_AFTER_END_MAX * config.antiEntropyIntervalMillis();
        for (Iterator<Map.Entry<ReplicaId, IncomingTransfer>> it = incoming.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ReplicaId, IncomingTransfer> entry = it.next();
            if (nowMillis - entry.getValue().lastProgressMillis > staleAfterMillis) {
                // The sender has given this transfer up (it gives up after as many rounds); so does the receiver.
                it.remove();
            } else {
                entry.getValue().askForWhatIsMissing(entry.getKey(), nowMillis);
            }
        }
        expireWaiters(nowMillis);
        claims.tick(nowMillis);
        advanceQuorumReads(nowMillis);
        expireDueKeys(nowMillis);
        advanceCheckpoint(nowMillis);
        escrowTick(nowMillis);
    }

    // ------------------------------------------------------------------------------------------------------
    // Active expiry

    /**
     * The most deadline-index entries one tick's active expiry visits. At the server's 20 ms tick that is up to
     * 5,000 expired keys a second per node, Redis's order of magnitude; a backlog drains over several ticks and reads
     * hide expired keys meanwhile.
     */
    public static final int ACTIVE_EXPIRE_KEYS_PER_TICK = 100;

    private long keysExpired;

    /**
     * Removes keys whose deadline passed (an observed remove of what this replica saw), at most
     * {@link #ACTIVE_EXPIRE_KEYS_PER_TICK} a tick, and commits the removal like a local {@code DEL}: logged, then
     * broadcast. Every region sweeps its own replica; their removals commute, and a write none of them observed
     * survives.
     */
    private void expireDueKeys(long nowMillis) {
        Keyspace.Write<Integer> expired = keyspace.expireDue(nowMillis, ACTIVE_EXPIRE_KEYS_PER_TICK);
        if (expired.delta() != null) {
            keysExpired += expired.reply();
            // Removing a claimed key ends its lease, an authority's decision: it is synced like the claim was.
            commit(expired.delta(), claims.touchesClaimedKeys(expired.delta()));
        }
    }

    /** How many keys this replica's active expiry removed since it started (Redis's {@code expired_keys}). */
    public long keysExpired() {
        return keysExpired;
    }

    // ------------------------------------------------------------------------------------------------------
    // Checkpoints

    /**
     * Marks keys whose state is not in any checkpoint yet, such as the keys recovery replayed from the log after the
     * last checkpoint; the next checkpoint writes them.
     */
    public void markDirty(java.util.Collection<Bytes> keys) {
        dirtyKeys.addAll(keys);
    }

    /**
     * The driver's report that the checkpoint closed with {@link ReplicaEffects#checkpointCommit} is durable
     * ({@code committed}) or failed; a failed checkpoint's keys are written again by the next one.
     */
    public void onCheckpointFinished(boolean committed) {
        if (!checkpointCommitting) {
            throw new IllegalStateException("a checkpoint finished, but none was being committed");
        }
        if (committed) {
            checkpointsCommitted++;
        } else {
            checkpointsFailed++;
            dirtyKeys.addAll(checkpointKeys);
        }
        checkpointKeys = null;
        checkpointCommitting = false;
    }

    private void advanceCheckpoint(long nowMillis) {
        if (checkpointCommitting) {
            return;
        }
        if (checkpointKeys == null) {
            if (nowMillis < nextCheckpointAtMillis || dirtyKeys.isEmpty()) {
                return;
            }
            nextCheckpointAtMillis = nowMillis + config.checkpointIntervalMillis();
            checkpointKeys = new ArrayList<>(dirtyKeys);
            checkpointNextKey = 0;
            dirtyKeys.clear();
            effects.checkpointBegin();
        }
        for (int written = 0; written < config.checkpointKeysPerTick() && checkpointNextKey < checkpointKeys.size();
                written++) {
            Bytes key = checkpointKeys.get(checkpointNextKey++);
            OrMap<Bytes, KeyValue> state = keyspace.extract(key);
            effects.checkpointState(key, state == null ? null : Codecs.encode(Keyspace.CODEC, state));
        }
        if (checkpointNextKey == checkpointKeys.size()) {
            // The context is captured after every key state, so it never claims a dot whose value a state lacks.
            checkpointCommitting = true;
            effects.checkpointCommit(keyspace.context().copy(), stream.delivered());
        }
    }

    /**
     * Keys changed by state that has no log record (a state transfer): they go into the next checkpoint and, when one
     * is writing its keys now, into that one too, since its commit will capture a context that includes the change.
     * A checkpoint claiming a dot whose state it lacks would, after a crash, hide the loss from anti-entropy forever.
     */
    private void unloggedStateChanged(Set<Bytes> keys) {
        dirtyKeys.addAll(keys);
        if (checkpointKeys != null && !checkpointCommitting) {
            checkpointKeys.addAll(keys);
        }
    }

    private void applyRemote(Dot id, byte[] payload) {
        OrMap<Bytes, KeyValue> delta;
        try {
            delta = Codecs.decode(Keyspace.CODEC, payload);
        } catch (CodecException e) {
            malformedMessages++;
            effects.note("dropping delta " + id + " that does not decode: " + e.getMessage());
            return;
        }
        Set<Bytes> unlisted = keyspace.keysAnUnlistingDeltaMayRemove(delta);
        keyspace.applyRemote(delta, currentNowMillis);
        dirtyKeys.addAll(delta.touchedKeys());
        dirtyKeys.addAll(unlisted);
        keyspace.changed(delta.touchedKeys());
        remoteDeltasApplied++;
        effects.appendRemote(id, delta, payload);
    }

    // The time of the input being handled, for deliveries the stream makes from inside it.
    private long currentNowMillis;

    /**
     * The driver's link to {@code peer} came up (again): a digest goes to it at once and whatever waits for it in
     * resend backoff is sent now, so a healed partition converges in a round trip instead of after the next
     * anti-entropy round and the backoff. The peer, hearing the digest, does the same for this replica.
     */
    public void onPeerConnected(ReplicaId peer, long nowMillis) {
        if (!acknowledged.containsKey(peer)) {
            throw new IllegalArgumentException("peer " + peer + " is not a peer of " + self);
        }
        try {
            currentNowMillis = nowMillis;
            // What the peer reported before the link went down says nothing about its progress since.
            peerDelivered.remove(peer);
            peerDeliveredBefore.remove(peer);
            effects.send(peer, ReplicationMessage.encode(new ReplicationMessage.Digest(keyspace.context().copy(),
                    stream.delivered())));
            stream.peerHeard(peer, nowMillis, outbox);
            stream.tick(nowMillis, outbox);
            claims.peerConnected(peer, nowMillis);
        } finally {
            flushRelays();
        }
    }

    private void sendDigests() {
        byte[] digest = ReplicationMessage.encode(new ReplicationMessage.Digest(keyspace.context().copy(),
                stream.delivered()));
        for (ReplicaId peer : config.peers()) {
            effects.send(peer, digest);
        }
        contextOneRoundAgo = keyspace.context().copy();
        deliveredOneRoundAgo = stream.delivered();
    }

    private void onDigest(ReplicaId from, ReplicationMessage.Digest digest, long nowMillis) {
        VersionVector previous = peerDelivered.put(from, digest.delivered());
        VersionVector beforePrevious = previous == null ? peerDeliveredBefore.remove(from)
                : peerDeliveredBefore.put(from, previous);
        // A peer that took our writes in through a state transfer never acknowledges them one by one.
        acknowledged.get(from).advanceTo(Math.min(digest.delivered().get(self), durableLocalSequence));
        acknowledgementsAdvanced();
        stream.peerHeard(from, nowMillis, outbox);
        OutgoingTransfer transfer = outgoing.get(from);
        if (transfer != null) {
            if (digest.context().includes(transfer.context)) {
                outgoing.remove(from);
            } else if (transfer.ended && ++transfer.digestsSinceEnd > TRANSFER_DIGESTS_AFTER_END_MAX) {
                // The peer has not taken the transfer in for several rounds (it restarted and forgot it, say):
                // give it up, and let the next digest decide afresh whether the peer still needs one.
                outgoing.remove(from);
                transfersAbandoned++;
            } else {
                // The End may have been lost: send it again, and the receiver asks for whatever it still lacks.
                transfer.resendEnd = transfer.ended;
            }
            return;
        }
        if (digest.context().includes(contextOneRoundAgo)) {
            return;
        }
        if (streamsRepair(from, beforePrevious, digest.delivered())) {
            transfersAvoided++;
            return;
        }
        long id = nextTransferId++;
        outgoing.put(from, new OutgoingTransfer(id, new ArrayList<>(keyspace.state().keys()), keyspace.context().copy(),
                stream.delivered()));
        effects.note("peer " + from + " lacks state " + self + " had seen; starting state transfer " + id);
    }

    /**
     * True when the causal streams are already bringing the peer up to date, so a state transfer would only add
     * work: for every origin whose writes the peer lacks (by what it reported delivering), either the origin is
     * this replica and its resend queue still holds everything the peer misses, or the peer's delivered count from
     * that origin grew over the last two digest intervals (the origin's stream is getting through, perhaps slowly).
     * Only an origin stuck for two intervals (it crashed and lost what it held for resending, say) or a lack the
     * delivered vectors do not explain (a write lost in a crash, a transfer's removals) gets a transfer. One
     * interval is too short a look: under load a bystander replica transferred the whole state to a lagging peer
     * every round (a third of its time in a profile), and right after a heal the peer's first digest shows no
     * progress yet although every missed delta is on its way.
     */
    private boolean streamsRepair(ReplicaId peer, VersionVector twoDigestsAgo, VersionVector peerHas) {
        boolean[] lacking = {false};
        boolean[] repairing = {true};
        deliveredOneRoundAgo.forEach((origin, counter) -> {
            long has = peerHas.get(origin);
            if (has >= counter) {
                return;
            }
            lacking[0] = true;
            boolean resendable = origin.equals(self) && stream.canResendAfter(peer, has);
            boolean progressing = twoDigestsAgo == null || has > twoDigestsAgo.get(origin);
            if (!resendable && !progressing) {
                repairing[0] = false;
            }
        });
        return lacking[0] && repairing[0];
    }

    private void onChunk(ReplicaId from, ReplicationMessage.Chunk chunk, long nowMillis) {
        if (completedFrom(from, chunk.transferId(), chunk.fingerprint())) {
            return;
        }
        IncomingTransfer transfer = incoming.get(from);
        if (transfer == null || !transfer.is(chunk.transferId(), chunk.fingerprint())) {
            // The sender has one transfer to us at a time, so a chunk of another one means a new transfer began (or,
            // rarely, a stray of an old one arrived late, which costs the current transfer a restart, never a mix).
            transfer = new IncomingTransfer(chunk.transferId(), chunk.fingerprint(), nowMillis);
            incoming.put(from, transfer);
        }
        try {
            transfer.accept(chunk, nowMillis);
        } catch (CodecException e) {
            malformedMessages++;
            incoming.remove(from);
            effects.note("dropping state transfer " + chunk.transferId() + " from " + from
                    + ": a chunk does not decode: " + e.getMessage());
            return;
        }
        transfer.askForWhatIsMissing(from, nowMillis);
    }

    private void onEnd(ReplicaId from, ReplicationMessage.End end, long nowMillis) {
        if (completedFrom(from, end.transferId(), end.fingerprint())) {
            return;
        }
        IncomingTransfer transfer = incoming.get(from);
        if (transfer == null || !transfer.is(end.transferId(), end.fingerprint())) {
            transfer = new IncomingTransfer(end.transferId(), end.fingerprint(), nowMillis);
            incoming.put(from, transfer);
        }
        transfer.keyCount = end.keyCount();
        if (transfer.coveredKeys < end.keyCount()) {
            transfer.askForWhatIsMissing(from, nowMillis);
            return;
        }
        incoming.remove(from);
        completed.put(from, new CompletedTransfer(end.transferId(), end.fingerprint()));
        transfer.staging.restoreContext(end.context());
        Set<Bytes> affected = new LinkedHashSet<>(keyspace.state().keys());
        affected.addAll(transfer.staging.touchedKeys());
        keyspace.applyRemote(transfer.staging, nowMillis);
        stream.skipTo(end.delivered(), outbox);
        // The transferred state has no log records: only a checkpoint makes it durable, so one starts soon. Until it
        // commits, a crash loses the transfer and anti-entropy repairs it again.
        unloggedStateChanged(affected);
        keyspace.changed(affected);
        nextCheckpointAtMillis = nowMillis;
        effects.note("applied a state transfer from " + from + " touching " + affected.size() + " keys");
        transfersReceived++;
    }

    private void onResume(ReplicaId from, ReplicationMessage.Resume resume) {
        OutgoingTransfer transfer = outgoing.get(from);
        if (transfer != null && transfer.id == resume.transferId() && transfer.fingerprint == resume.fingerprint()) {
            transfer.resumeFrom(resume.fromKey());
        }
    }

    private boolean completedFrom(ReplicaId from, long transferId, long fingerprint) {
        CompletedTransfer last = completed.get(from);
        return last != null && last.transferId() == transferId && last.fingerprint() == fingerprint;
    }

    // ------------------------------------------------------------------------------------------------------
    // Inspection

    /** What the causal stream has delivered from each origin (this replica's own broadcasts included). */
    public VersionVector delivered() {
        return stream.delivered();
    }

    /**
     * True when this replica has taken message {@code id} into its care (delivered it, or holds it back for its
     * dependencies): what an acknowledgement of it promised. The simulator checks {@code WAIT} answers with it.
     */
    public boolean received(Dot id) {
        return stream.received(id);
    }

    /** What each peer reported delivering in its last digest. */
    public Map<ReplicaId, VersionVector> peerDelivered() {
        return Collections.unmodifiableMap(peerDelivered);
    }

    /** Counters and buffer sizes by name, for {@code INFO} and metrics. */
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("delivered", stream.delivered().toString());
        status.putAll(stream.gauges());
        status.put("transfersSent", transfersSent);
        status.put("transfersReceived", transfersReceived);
        status.put("transfersAvoided", transfersAvoided);
        status.put("transfersInProgress", outgoing.size());
        status.put("transfersResumed", transfersResumed);
        status.put("transfersAbandoned", transfersAbandoned);
        status.put("malformedMessages", malformedMessages);
        status.put("forgedOriginMessages", forgedOriginMessages);
        status.put("localWritesAwaitingLog", awaitingDurability.size());
        status.put("dirtyKeys", dirtyKeys.size());
        status.put("checkpointsCommitted", checkpointsCommitted);
        status.put("checkpointsFailed", checkpointsFailed);
        status.put("checkpointInProgress", checkpointKeys != null);
        status.put("relayFramesSent", batchesSent);
        status.put("relayMessagesSent", relayMessagesSent);
        status.putAll(claims.status());
        return status;
    }

    public long remoteDeltasApplied() {
        return remoteDeltasApplied;
    }

    /** Deltas dropped because a peer sent them in another region's name. */
    public long forgedOriginMessages() {
        return forgedOriginMessages;
    }

    public long malformedMessages() {
        return malformedMessages;
    }

    public long transfersReceived() {
        return transfersReceived;
    }

    public long transfersSent() {
        return transfersSent;
    }

    // ------------------------------------------------------------------------------------------------------
    // State transfer

    /**
     * An outgoing state transfer, sent a chunk at a time as the link has room. It stays after its End went out until
     * the peer's digest shows it took the state in, so a receiver that lacks a chunk can ask for the rest.
     */
    private final class OutgoingTransfer {
        /** Chunks offered to the link per tick, so one transfer cannot monopolise the driver. */
        private static final int CHUNKS_PER_TICK_MAX = 8;

        private final long id;
        private final long fingerprint;
        private final List<Bytes> keys;
        private final CausalContext context;
        private final VersionVector delivered;
        private int nextKey;
        private byte[] pendingChunk;
        private boolean ended;
        private boolean endedOnce;
        private boolean resendEnd;
        private int digestsSinceEnd;
        /**
         * The newest local write whose effects the transfer may carry so far (in a chunk, or in the captured context).
         * Nothing is sent before that write is durable: a peer that learned of a write this replica then lost in a
         * crash would hold its dot, and this replica, restarted, would give the same dot to another write, so the
         * two could never converge.
         */
        private long localSequenceCarried;

        OutgoingTransfer(long id, List<Bytes> keys, CausalContext context, VersionVector delivered) {
            this.id = id;
            this.keys = keys;
            this.context = context;
            this.delivered = delivered;
            this.localSequenceCarried = lastLocalSequence;
            this.fingerprint = fingerprintOf(keys, context);
        }

        /**
         * What tells this transfer from another with the same id (a sender that restarted counts ids from 1 again):
         * a checksum of its key list and of its context, never negative.
         */
        private static long fingerprintOf(List<Bytes> keys, CausalContext context) {
            java.util.zip.CRC32C keysChecksum = new java.util.zip.CRC32C();
            for (Bytes key : keys) {
                byte[] bytes = key.toByteArray();
                keysChecksum.update(bytes.length);
                keysChecksum.update(bytes);
            }
            java.util.zip.CRC32C contextChecksum = new java.util.zip.CRC32C();
            contextChecksum.update(context.encode());
            return ((keysChecksum.getValue() << 31) ^ contextChecksum.getValue()) & Long.MAX_VALUE;
        }

        /** Goes back to the key at {@code fromKey}, which the receiver lacks. */
        void resumeFrom(long fromKey) {
            if (fromKey < 0 || fromKey > keys.size()) {
                return;
            }
            nextKey = (int) fromKey;
            pendingChunk = null;
            ended = false;
            resendEnd = false;
            digestsSinceEnd = 0;
            transfersResumed++;
        }

        /** Sends what the link takes now. */
        void pump(ReplicaId peer) {
            if (ended) {
                if (resendEnd && effects.send(peer, endMessage())) {
                    resendEnd = false;
                }
                return;
            }
            for (int sent = 0; sent < CHUNKS_PER_TICK_MAX; sent++) {
                if (pendingChunk == null) {
                    pendingChunk = nextChunk();
                    localSequenceCarried = Math.max(localSequenceCarried, lastLocalSequence);
                }
                if (durableLocalSequence < localSequenceCarried) {
                    return;
                }
                if (pendingChunk == null) {
                    if (effects.send(peer, endMessage())) {
                        ended = true;
                        digestsSinceEnd = 0;
                        if (!endedOnce) {
                            endedOnce = true;
                            transfersSent++;
                        }
                    }
                    return;
                }
                if (!effects.send(peer, pendingChunk)) {
                    return;
                }
                pendingChunk = null;
            }
        }

        private byte[] endMessage() {
            return ReplicationMessage.encode(new ReplicationMessage.End(id, fingerprint, context, delivered,
                    keys.size()));
        }

        /** The next chunk: the keys from {@code nextKey} on up to about {@code chunkBytesMax}; null past the last. */
        private byte[] nextChunk() {
            if (nextKey >= keys.size()) {
                return null;
            }
            int firstKey = nextKey;
            OrMap<Bytes, KeyValue> chunk = null;
            int approximateBytes = 0;
            while (nextKey < keys.size() && approximateBytes < config.chunkBytesMax()) {
                OrMap<Bytes, KeyValue> extract = keyspace.extract(keys.get(nextKey++));
                if (extract == null) {
                    continue;
                }
                approximateBytes += Codecs.encode(Keyspace.CODEC, extract).length;
                chunk = chunk == null ? extract : chunk.merge(extract);
            }
            byte[] state = Codecs.encode(Keyspace.CODEC, chunk == null ? new OrMap<>(KeyValue.type()) : chunk);
            return ReplicationMessage.encode(new ReplicationMessage.Chunk(id, fingerprint, firstKey, nextKey, state));
        }
    }

    /**
     * A transfer being received: chunks join a staging state as long as they continue the keys covered so far; a chunk
     * that arrives ahead of a gap waits in a small buffer, and a gap that lasts a retransmission period is asked for.
     */
    private final class IncomingTransfer {
        /** Chunks held ahead of a gap; at the default chunk size, at most 2 MiB. */
        private static final int EARLY_CHUNKS_MAX = 8;

        private final long id;
        private final long fingerprint;
        private final OrMap<Bytes, KeyValue> staging = new OrMap<>(KeyValue.type());
        private final TreeMap<Long, ReplicationMessage.Chunk> early = new TreeMap<>();
        private long coveredKeys;
        /** The key count the End announced; -1 until it arrives. */
        private long keyCount = -1;
        private long lastProgressMillis;
        private boolean asked;
        private long lastAskedMillis;

        IncomingTransfer(long id, long fingerprint, long nowMillis) {
            this.id = id;
            this.fingerprint = fingerprint;
            this.lastProgressMillis = nowMillis;
        }

        boolean is(long transferId, long transferFingerprint) {
            return id == transferId && fingerprint == transferFingerprint;
        }

        void accept(ReplicationMessage.Chunk chunk, long nowMillis) throws CodecException {
            if (chunk.endKey() <= coveredKeys) {
                return;
            }
            if (chunk.firstKey() > coveredKeys) {
                if (early.size() < EARLY_CHUNKS_MAX || early.containsKey(chunk.firstKey())) {
                    early.put(chunk.firstKey(), chunk);
                }
                return;
            }
            join(chunk, nowMillis);
            while (!early.isEmpty() && early.firstKey() <= coveredKeys) {
                ReplicationMessage.Chunk next = early.pollFirstEntry().getValue();
                if (next.endKey() > coveredKeys) {
                    join(next, nowMillis);
                }
            }
        }

        private void join(ReplicationMessage.Chunk chunk, long nowMillis) throws CodecException {
            staging.merge(Codecs.decode(Keyspace.CODEC, chunk.state()));
            coveredKeys = chunk.endKey();
            lastProgressMillis = nowMillis;
        }

        /**
         * Asks the sender for the keys from the first one not covered, when chunks beyond a gap (or the End) show
         * something is missing and it has not arrived for a retransmission period; at most once per period.
         */
        void askForWhatIsMissing(ReplicaId sender, long nowMillis) {
            boolean gap = !early.isEmpty() || (keyCount >= 0 && coveredKeys < keyCount);
            long period = config.retransmitPeriodMillis();
            if (!gap || nowMillis - lastProgressMillis < period || (asked && nowMillis - lastAskedMillis < period)) {
                return;
            }
            asked = true;
            lastAskedMillis = nowMillis;
            effects.send(sender, ReplicationMessage.encode(new ReplicationMessage.Resume(id, fingerprint,
                    coveredKeys)));
        }
    }

    // ---- Pub/Sub (issue 9)
    //
    // A published message goes once to every peer, outside the causal stream: it is not applied to the keyspace,
    // not logged, not acknowledged and never resent, so a peer that is partitioned (or whose link is full) misses it
    // for good. Each message carries this replica's incarnation (the time it started, so it grows across restarts)
    // and a sequence within it; a receiver delivers a message only when it is newer than the newest it delivered from
    // that sender, which keeps the sender's order and drops duplicates and stragglers: at most once, in order.

    /** This life's id for pub/sub numbering: the start time, which a restart makes larger. */
    private long publishIncarnation;
    private long lastPublishSequence;
    /** Per peer, the incarnation and sequence of the newest pub/sub message delivered from it. */
    private final Map<ReplicaId, long[]> newestPublishDelivered = new HashMap<>();
    private long publishesSent;
    private long publishesDelivered;
    private long publishesDropped;

    /**
     * Sends a pub/sub message to every peer, best effort: a peer that cannot be reached now never gets it. The local
     * subscribers are the driver's to reach (it knows them); this only crosses regions.
     *
     * @throws IllegalArgumentException if the channel or the message is longer than
     *     {@link ReplicationMessage#PUBLISH_CHANNEL_BYTES_MAX} or {@link ReplicationMessage#PUBLISH_MESSAGE_BYTES_MAX}
     */
    public void publish(byte[] channel, byte[] message) {
        publish(List.of(new PublishedMessage(channel, message)));
    }

    /**
     * Sends consecutive pub/sub messages to every peer, in order, best effort, as few frames as the bounds allow (a
     * frame holds up to {@link ReplicationMessage#PUBLISH_MESSAGES_MAX} messages and is closed once it passes
     * {@link #BATCH_BYTES_MAX}), so a burst of {@code PUBLISH} costs a frame per peer, not one per message.
     */
    public void publish(List<PublishedMessage> messages) {
        int from = 0;
        while (from < messages.size()) {
            int to = from;
            long bytes = 0;
            while (to < messages.size() && to - from < ReplicationMessage.PUBLISH_MESSAGES_MAX
                    && (to == from || bytes < BATCH_BYTES_MAX)) {
                bytes += messages.get(to).channel().length + messages.get(to).message().length;
                to++;
            }
            List<PublishedMessage> frame = messages.subList(from, to);
            byte[] encoded = ReplicationMessage.encode(new ReplicationMessage.Publish(publishIncarnation,
                    lastPublishSequence + 1, frame));
            lastPublishSequence += frame.size();
            for (ReplicaId peer : config.peers()) {
                effects.send(peer, encoded);
            }
            publishesSent += frame.size();
            from = to;
        }
    }

    /** The longest channel name {@link #publish} accepts, in bytes. */
    public static int publishChannelBytesMax() {
        return ReplicationMessage.PUBLISH_CHANNEL_BYTES_MAX;
    }

    /** The longest message {@link #publish} accepts, in bytes. */
    public static int publishMessageBytesMax() {
        return ReplicationMessage.PUBLISH_MESSAGE_BYTES_MAX;
    }

    private void onPublish(ReplicaId from, ReplicationMessage.Publish publish) {
        long[] newest = newestPublishDelivered.computeIfAbsent(from, peer -> new long[] {-1, 0});
        long sequence = publish.firstSequence();
        for (PublishedMessage message : publish.messages()) {
            boolean newer = publish.incarnation() > newest[0]
                    || (publish.incarnation() == newest[0] && sequence > newest[1]);
            if (newer) {
                newest[0] = publish.incarnation();
                newest[1] = sequence;
                publishesDelivered++;
                effects.published(from, message.channel(), message.message());
            } else {
                publishesDropped++;
            }
            sequence++;
        }
    }

    /** Pub/sub messages this replica sent to its peers, delivered from them, and dropped as duplicates or late. */
    public Map<String, Long> publishStatus() {
        Map<String, Long> status = new LinkedHashMap<>();
        status.put("publishesSent", publishesSent);
        status.put("publishesDelivered", publishesDelivered);
        status.put("publishesDropped", publishesDropped);
        return status;
    }

    // ---- QUORUM (issue 8): quorum reads with read repair

    /**
     * The largest state of one key a replica sends in answer to a quorum read, or as a read repair, in encoded bytes.
     * A read of a larger key fails with an error that names this bound rather than building a frame that large.
     */
    public static final int QUORUM_STATE_BYTES_MAX = 64 * 1024 * 1024;
    /** The most quorum reads waiting for answers at once; a read beyond them fails at once, naming this bound. */
    public static final int QUORUM_READS_PENDING_MAX = 10_000;

    /** A quorum read waiting for answers; {@code answers} holds each answering peer's state of the key. */
    private record PendingQuorumRead(long ticket, Bytes key, int replicas, long timeoutMillis, long deadlineMillis,
            Map<ReplicaId, OrMap<Bytes, KeyValue>> answers, long[] nextResendAtMillis) {}

    private final Map<Long, PendingQuorumRead> quorumReads = new LinkedHashMap<>();
    private long nextQuorumReadId;
    private long quorumReadsServed;
    private long quorumReadsTimedOut;
    private long quorumReadsFailed;
    private long quorumRepairsSent;
    private long quorumRepairsReceived;
    private long quorumRequestsAnswered;

    // Read ids start from the start time, so an answer to a read of an earlier life of this replica (a restart reuses
    // nothing else to tell them apart) cannot be counted for a read of this one.
    private void startQuorumReads(long nowMillis) {
        nextQuorumReadId = Math.max(1, nowMillis) << 16;
    }

    /** The number of replicas in the cluster, this one included: the N of {@code W + R > N}. */
    public int clusterSize() {
        return config.peers().size() + 1;
    }

    /**
     * A read of {@code key} from {@code replicas} replicas, this one included: asks every peer for its state of the
     * key, merges each answer into the local replica as it arrives (a read repair of this replica), and once
     * {@code replicas} replicas answered reports success through {@link ReplicaEffects#quorumReadAnswered}; the
     * driver then runs the read command on the local replica, which now holds the merge. A peer whose state did not
     * hold the merge receives it back (a read repair of that peer). When fewer than {@code replicas} replicas have
     * answered after {@code timeoutMillis}, the read fails with an error naming how many did: it never falls back to
     * a local read. Requests are resent every {@link ReplicaCoreConfig#retransmitPeriodMillis()} to peers that have
     * not answered, so a lost message alone does not fail a read.
     *
     * <p>A write acknowledged by {@code WAIT w} is held by {@code w + 1} replicas (its origin and w peers); a read
     * from {@code replicas} replicas therefore sees it whenever {@code w + 1 + replicas > clusterSize()}. An
     * acknowledging replica that holds the write back for its causal dependencies includes it in its answer.
     *
     * @throws IllegalArgumentException if {@code replicas} is not in [1, {@link #clusterSize()}] or
     *                                  {@code timeoutMillis} is not positive
     */
    public void quorumRead(long ticket, Bytes key, int replicas, long timeoutMillis, long nowMillis) {
        java.util.Objects.requireNonNull(key, "key");
        if (replicas < 1 || replicas > clusterSize()) {
            throw new IllegalArgumentException("replicas must be in [1, " + clusterSize() + "] (the cluster size), got "
                    + replicas);
        }
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be > 0, got " + timeoutMillis);
        }
        try {
            currentNowMillis = nowMillis;
            absorbHeldBack(key);
            if (replicas == 1) {
                quorumReadsServed++;
                effects.quorumReadAnswered(ticket, QuorumReadOutcome.success(1, 1));
                return;
            }
            if (quorumReads.size() >= QUORUM_READS_PENDING_MAX) {
                quorumReadsFailed++;
                effects.quorumReadAnswered(ticket, QuorumReadOutcome.failed(1, replicas, "refused: "
                        + QUORUM_READS_PENDING_MAX + " quorum reads are waiting already (QUORUM_READS_PENDING_MAX)"));
                return;
            }
            long readId = nextQuorumReadId++;
            PendingQuorumRead read = new PendingQuorumRead(ticket, key, replicas, timeoutMillis,
                    nowMillis + timeoutMillis, new TreeMap<>(), new long[] {nowMillis + config.retransmitPeriodMillis()});
            quorumReads.put(readId, read);
            sendReadRequests(readId, read);
        } finally {
            flushRelays();
        }
    }

    private void sendReadRequests(long readId, PendingQuorumRead read) {
        byte[] request = ReplicationMessage.encode(new ReplicationMessage.ReadRequest(readId, read.key().toByteArray(),
                keyDots(read.key())));
        for (ReplicaId peer : config.peers()) {
            if (!read.answers().containsKey(peer)) {
                effects.send(peer, request);
            }
        }
    }

    private void advanceQuorumReads(long nowMillis) {
        for (Iterator<Map.Entry<Long, PendingQuorumRead>> it = quorumReads.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, PendingQuorumRead> entry = it.next();
            PendingQuorumRead read = entry.getValue();
            if (nowMillis >= read.deadlineMillis()) {
                it.remove();
                quorumReadsTimedOut++;
                effects.quorumReadAnswered(read.ticket(), QuorumReadOutcome.timedOut(read.answers().size() + 1,
                        read.replicas(), read.timeoutMillis()));
            } else if (nowMillis >= read.nextResendAtMillis()[0]) {
                read.nextResendAtMillis()[0] = nowMillis + config.retransmitPeriodMillis();
                sendReadRequests(entry.getKey(), read);
            }
        }
    }

    private void onReadRequest(ReplicaId from, ReplicationMessage.ReadRequest request) {
        Bytes key = Bytes.copyOf(request.key());
        absorbHeldBack(key);
        byte[] state = Codecs.encode(Keyspace.CODEC, keyspace.state().extractFor(key, request.askerDots()));
        ReplicationMessage.ReadResponse response = state.length > QUORUM_STATE_BYTES_MAX
                ? new ReplicationMessage.ReadResponse(request.readId(), request.key(), new byte[0], state.length)
                : new ReplicationMessage.ReadResponse(request.readId(), request.key(), state, 0);
        quorumRequestsAnswered++;
        effects.send(from, ReplicationMessage.encode(response));
    }

    private void onReadResponse(ReplicaId from, ReplicationMessage.ReadResponse response) {
        Bytes key = Bytes.copyOf(response.key());
        boolean repair = response.readId() == ReplicationMessage.ReadResponse.REPAIR;
        PendingQuorumRead read = repair ? null : quorumReads.get(response.readId());
        if (read != null && !read.key().equals(key)) {
            read = null;
        }
        if (response.oversizedBytes() > 0) {
            if (read != null) {
                quorumReads.remove(response.readId());
                quorumReadsFailed++;
                effects.quorumReadAnswered(read.ticket(), QuorumReadOutcome.failed(read.answers().size() + 1,
                        read.replicas(), "failed: the state of this key at " + from + " is " + response.oversizedBytes()
                                + " bytes, over QUORUM_STATE_BYTES_MAX (" + QUORUM_STATE_BYTES_MAX + " bytes)"));
            }
            return;
        }
        OrMap<Bytes, KeyValue> state;
        try {
            state = Codecs.decode(Keyspace.CODEC, response.state());
        } catch (CodecException e) {
            malformedMessages++;
            effects.note("dropping a quorum read answer from " + from + " that does not decode: " + e.getMessage());
            return;
        }
        if (!state.isPartial() || !state.touchedKeys().equals(Set.of(key))) {
            malformedMessages++;
            effects.note("dropping a quorum read answer from " + from + " that does not list exactly its key");
            return;
        }
        if (claimsUnseenRemovals(key, state)) {
            malformedMessages++;
            effects.note("dropping a quorum read answer from " + from + " whose context removes dots this replica "
                    + "never saw");
            return;
        }
        mergeKeyState(key, state);
        if (repair) {
            quorumRepairsReceived++;
            return;
        }
        if (read == null) {
            // A late answer (the read completed or timed out): merged all the same, and repaired if it lagged.
            repairIfLagging(from, key, state, keyDots(key));
            return;
        }
        read.answers().putIfAbsent(from, state);
        if (read.answers().size() + 1 >= read.replicas()) {
            quorumReads.remove(response.readId());
            CausalContext merged = keyDots(key);
            read.answers().forEach((peer, answer) -> repairIfLagging(peer, key, answer, merged));
            quorumReadsServed++;
            effects.quorumReadAnswered(read.ticket(), QuorumReadOutcome.success(read.answers().size() + 1,
                    read.replicas()));
        }
    }

    /** Sends the merged state back to {@code peer} when its answer did not hold what the merge holds. */
    private void repairIfLagging(ReplicaId peer, Bytes key, OrMap<Bytes, KeyValue> answer, CausalContext ours) {
        OrMap<Bytes, KeyValue> answered = answer.extract(key);
        CausalContext theirs = answered == null ? new CausalContext() : answered.context();
        if (theirs.includes(ours) && ours.includes(theirs)) {
            return;
        }
        byte[] state = Codecs.encode(Keyspace.CODEC, keyspace.state().extractFor(key, theirs));
        if (state.length > QUORUM_STATE_BYTES_MAX) {
            return;
        }
        quorumRepairsSent++;
        effects.send(peer, ReplicationMessage.encode(new ReplicationMessage.ReadResponse(
                ReplicationMessage.ReadResponse.REPAIR, key.toByteArray(), state, 0)));
    }

    /**
     * True when {@code state}'s context holds a dot that its value does not hold (a removal) and that this replica
     * has never seen. An honest answer removes only dots of the asker's own value, and a repair only dots the lagging
     * replica held, so such a dot means a forged or stale answer; merging it would mark a write this replica has not
     * received yet as already removed.
     */
    private boolean claimsUnseenRemovals(Bytes key, OrMap<Bytes, KeyValue> state) {
        OrMap<Bytes, KeyValue> present = state.extract(key);
        CausalContext presentDots = present == null ? new CausalContext() : present.context();
        CausalContext seen = keyspace.context();
        boolean[] unseen = {false};
        state.context().forEachDot(dot -> {
            if (!unseen[0] && !presentDots.contains(dot) && !seen.contains(dot)) {
                unseen[0] = true;
            }
        });
        return unseen[0];
    }

    /** The dots this replica's value of {@code key} holds (empty when the key is absent). */
    private CausalContext keyDots(Bytes key) {
        OrMap<Bytes, KeyValue> extract = keyspace.extract(key);
        return extract == null ? new CausalContext() : extract.context();
    }

    /**
     * Merges messages held back for their dependencies, as far as they touch {@code key}, into this replica's value of
     * it: this replica acknowledged them, so a quorum read it takes part in must see them. The stream still delivers
     * them in causal order later; merging again changes nothing.
     */
    private void absorbHeldBack(Bytes key) {
        List<OrMap<Bytes, KeyValue>> parts = new ArrayList<>();
        stream.forEachHeldBack(payload -> {
            try {
                OrMap<Bytes, KeyValue> delta = Codecs.decode(Keyspace.CODEC, payload);
                if (delta.touchedKeys().contains(key)) {
                    parts.add(delta);
                }
            } catch (CodecException e) {
                // The stream delivers it later, and applyRemote counts and drops what does not decode.
            }
        });
        for (OrMap<Bytes, KeyValue> delta : parts) {
            mergeKeyState(key, delta.extractFor(key, keyDots(key)));
        }
    }

    /**
     * Joins another replica's partial state of {@code key} into the keyspace. It has no log record, so, as a state
     * transfer does, it becomes durable through a checkpoint (see {@link #unloggedStateChanged}).
     */
    private void mergeKeyState(Bytes key, OrMap<Bytes, KeyValue> state) {
        CausalContext before = keyDots(key);
        keyspace.applyRemote(state, currentNowMillis);
        CausalContext after = keyDots(key);
        if (before.includes(after) && after.includes(before)) {
            return;
        }
        unloggedStateChanged(Set.of(key));
        keyspace.changed(List.of(key));
    }

    /** Quorum read counters by name, for {@code INFO}. */
    public Map<String, Long> quorumStatus() {
        Map<String, Long> status = new LinkedHashMap<>();
        status.put("quorum_cluster_size", (long) clusterSize());
        status.put("quorum_reads_served", quorumReadsServed);
        status.put("quorum_reads_timed_out", quorumReadsTimedOut);
        status.put("quorum_reads_failed", quorumReadsFailed);
        status.put("quorum_reads_pending", (long) quorumReads.size());
        status.put("quorum_repairs_sent", quorumRepairsSent);
        status.put("quorum_repairs_received", quorumRepairsReceived);
        status.put("quorum_requests_answered", quorumRequestsAnswered);
        return status;
    }

    // ---- CLAIMS (issue 8)
    // Uniqueness by allocation: the protocol is Claims; the core routes its messages, feeds it durability reports,
    // deliveries, ticks and link-ups, and lends it a synced commit.

    private Claims claims;

    /**
     * Asks for {@code request}: decided here when this replica is the name's authority, otherwise routed to the
     * authority. The answer comes through {@link ReplicaEffects#claimAnswered} with {@code ticket}: the authority's
     * decision once its log record is synced, or PENDING when none arrived within {@code timeoutMillis} (the claim
     * stays in flight, resent until decided; {@link #claimStatus} tells later). Returns the claim's id.
     */
    public String claim(long ticket, io.calmdb.replication.claim.ClaimRequest request, long timeoutMillis,
            long nowMillis) {
        try {
            currentNowMillis = nowMillis;
            return claims.claim(ticket, request, timeoutMillis, nowMillis);
        } finally {
            flushRelays();
        }
    }

    /** What this replica knows of claim {@code claimId}: its decision, PENDING, or UNKNOWN. */
    public io.calmdb.replication.claim.ClaimResult claimStatus(String claimId) {
        return claims.status(claimId);
    }

    /**
     * The owner of {@code name} in {@code namespace} by this replica's replicated facts, judged at the keyspace's task
     * time (set it first): a local read that may lag the authority, never a decision.
     */
    public java.util.Optional<Bytes> claimOwner(Bytes namespace, Bytes name) {
        return claims.owner(namespace, name);
    }

    /** Which region decides claims on each name, under which epoch. */
    public io.calmdb.replication.claim.ClaimAuthority claimAuthority() {
        return claims.authority();
    }

    /** Claims this replica has in flight to other regions' authorities. */
    public int claimsPending() {
        return claims.pendingCount();
    }

    private final class ClaimHost implements Claims.Host {
        @Override
        public long commitSynced(OrMap<Bytes, KeyValue> delta) {
            return commit(delta, true);
        }

        @Override
        public long lastLocalSequence() {
            return lastLocalSequence;
        }

        @Override
        public long durableLocalSequence() {
            return durableLocalSequence;
        }

        @Override
        public long deliveredFrom(ReplicaId origin) {
            return stream.delivered().get(origin);
        }

        @Override
        public void countMalformed(String note) {
            malformedMessages++;
            effects.note(note);
        }
    }

    // ---- ESCROW AND GENERATED IDS (issue 8)
    //
    // Bounded counters: a decrement within this region's rights commits at once like any local write. Beyond them it
    // waits (a RightsWaiter) while this core asks the peers that hold rights (RightsRequest, message type 12); a peer
    // gives by committing a transfer, a replicated state change of the counter that reaches this region on the causal
    // stream, after which the waiter is served. A request can be lost, duplicated or replayed without harm: only the
    // giver's own committed transfer moves rights, and it moves them once however often it is delivered. At its
    // deadline a waiter fails with an error naming the rights this region holds.
    //
    // Background policy: every RIGHTS_REBALANCE_INTERVAL_MILLIS, for each key this region decremented (or tried to)
    // in the last interval, if the rights it holds are below what it used in that interval, it asks the richest peer
    // for the difference, and the peer gives at most half of what it holds. Rights thus drift toward the regions that
    // spend them, while a region never gives away what its own waiting clients need.

    /** How often a decrement waiting for rights asks again, in milliseconds (a request or its transfer may be lost). */
    public static final long RIGHTS_REQUEST_RETRY_MILLIS = 100;
    /** The most bounded-counter decrements waiting for rights at once; beyond it a short decrement fails at once. */
    public static final int RIGHTS_WAITERS_MAX = 1024;
    /** The longest a decrement may wait for rights, in milliseconds. */
    public static final long RIGHTS_WAIT_MILLIS_MAX = 60_000;
    /** How often the background policy moves rights toward the regions that use them, in milliseconds. */
    public static final long RIGHTS_REBALANCE_INTERVAL_MILLIS = 1_000;
    /** The most keys one rebalancing round considers (the keys most recently used are kept). */
    public static final int RIGHTS_REBALANCE_KEYS_MAX = 256;

    private record RightsWaiter(long ticket, Bytes key, long amount, long requestedAtMillis, long deadlineMillis) {}

    private final List<RightsWaiter> rightsWaiters = new ArrayList<>();
    private final LinkedHashMap<Bytes, Long> rightsDemand = new LinkedHashMap<>();
    private long nextRightsRequestAtMillis;
    private long nextRebalanceAtMillis;
    private int idRegionIndex = -1;
    private long rightsRequestsSent;
    private long rightsRequestsReceived;
    private long rightsTransfersGiven;
    private long rightsGiven;
    private long boundedDecrementsWaited;
    private long boundedDecrementsRefused;

    /**
     * This region's index in generated IDs ({@link io.calmdb.replication.keyspace.IdLayout}): its position among the
     * cluster's replica ids (itself and its peers) in sorted order. Every region computes the same numbering from the
     * same membership. A membership change that renumbers regions must not be made while IDs are issued; a clash is
     * caught (the keyspace refuses when two regions' marks carry one index), and the index is in every ID.
     */
    public int idRegionIndex() {
        if (idRegionIndex < 0) {
            java.util.TreeSet<ReplicaId> everyone = new java.util.TreeSet<>(config.peers());
            everyone.add(self);
            if (everyone.size() > io.calmdb.replication.keyspace.IdLayout.REGIONS_MAX) {
                throw new IllegalStateException("a cluster of " + everyone.size() + " regions exceeds the "
                        + io.calmdb.replication.keyspace.IdLayout.REGIONS_MAX + " that generated IDs can tell apart");
            }
            idRegionIndex = everyone.headSet(self).size();
        }
        return idRegionIndex;
    }

    /**
     * {@code BC.DECRBY key amount}: answered through {@link ReplicaEffects#boundedAnswered} with {@code ticket}. Within
     * this region's rights the decrement commits now; beyond them it waits up to {@code timeoutMillis} (0: no wait)
     * for peers to transfer rights, then fails with an error starting {@code RIGHTS} that names the rights held here.
     */
    public void boundedDecrement(long ticket, Bytes key, long amount, long timeoutMillis, long nowMillis) {
        try {
            currentNowMillis = nowMillis;
            keyspace.setTaskTime(nowMillis);
            if (timeoutMillis < 0 || timeoutMillis > RIGHTS_WAIT_MILLIS_MAX) {
                effects.boundedAnswered(ticket, 0, 0, "ERR timeout must be between 0 and " + RIGHTS_WAIT_MILLIS_MAX
                        + " ms (RIGHTS_WAIT_MILLIS_MAX), got " + timeoutMillis);
                return;
            }
            boolean queuedBehind = false;
            for (RightsWaiter waiter : rightsWaiters) {
                queuedBehind |= waiter.key().equals(key);
            }
            if (!queuedBehind && tryBoundedDecrement(ticket, key, amount)) {
                return;
            }
            recordDemand(key, amount);
            if (timeoutMillis == 0 || rightsWaiters.size() >= RIGHTS_WAITERS_MAX) {
                refuseForRights(ticket, key, amount, 0);
                return;
            }
            boundedDecrementsWaited++;
            rightsWaiters.add(new RightsWaiter(ticket, key, amount, nowMillis, nowMillis + timeoutMillis));
            requestRights(key, neededFor(key), true);
        } finally {
            flushRelays();
        }
    }

    /** Bounded-counter decrements waiting for rights now. */
    public int rightsWaitersBlocked() {
        return rightsWaiters.size();
    }

    /** Escrow counters by name, for {@code INFO}. */
    public Map<String, Object> escrowStatus() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("id_region_index", idRegionIndex());
        status.put("bc_waiting_decrements", rightsWaiters.size());
        status.put("bc_decrements_waited", boundedDecrementsWaited);
        status.put("bc_decrements_refused", boundedDecrementsRefused);
        status.put("bc_rights_requests_sent", rightsRequestsSent);
        status.put("bc_rights_requests_received", rightsRequestsReceived);
        status.put("bc_rights_transfers_given", rightsTransfersGiven);
        status.put("bc_rights_given", rightsGiven);
        return status;
    }

    // True when the decrement was answered (committed, or refused for a reason other than rights).
    private boolean tryBoundedDecrement(long ticket, Bytes key, long amount) {
        try {
            Keyspace.Write<Long> write = keyspace.boundedDecrement(key, amount, currentNowMillis);
            long sequence = commitLocal(write.delta());
            recordDemand(key, amount);
            effects.boundedAnswered(ticket, sequence, write.reply(), null);
            return true;
        } catch (io.calmdb.replication.keyspace.KeyspaceException e) {
            effects.boundedAnswered(ticket, 0, 0, e.getMessage());
            return true;
        } catch (io.calmdb.crdt.InsufficientRightsException e) {
            return false;
        }
    }

    private void refuseForRights(long ticket, Bytes key, long amount, long waitedMillis) {
        boundedDecrementsRefused++;
        effects.boundedAnswered(ticket, 0, 0, "RIGHTS region " + self + " holds " + keyspace.boundedLocalRights(key)
                + " rights on '" + key.toUtf8() + "', fewer than the " + amount + " this decrement needs"
                + (waitedMillis > 0 ? ", and no peer transferred enough within " + waitedMillis + " ms" : ""));
    }

    // The rights the waiters on key need beyond what this region holds.
    private long neededFor(Bytes key) {
        long wanted = 0;
        for (RightsWaiter waiter : rightsWaiters) {
            if (waiter.key().equals(key)) {
                wanted += waiter.amount();
            }
        }
        return Math.max(0, wanted - keyspace.boundedLocalRights(key));
    }

    // Adds to the key's demand this interval and makes it the most recently used key.
    private void recordDemand(Bytes key, long amount) {
        Long earlier = rightsDemand.remove(key);
        long total = earlier == null ? amount : earlier + amount;
        rightsDemand.put(key, total < 0 ? Long.MAX_VALUE : total);
        trimDemand();
    }

    private void trimDemand() {
        Iterator<Bytes> oldest = rightsDemand.keySet().iterator();
        while (rightsDemand.size() > RIGHTS_REBALANCE_KEYS_MAX) {
            oldest.next();
            oldest.remove();
        }
    }

    /**
     * Asks peers for {@code needed} rights on {@code key}: the peers this replica knows to hold rights, richest first,
     * each for what it holds until the need is covered (what knowledge misses goes to the richest); every peer when
     * none is known to hold any. Background requests go to the richest peer only.
     */
    private void requestRights(Bytes key, long needed, boolean urgent) {
        if (needed <= 0) {
            return;
        }
        Map<ReplicaId, Long> known;
        try {
            known = keyspace.boundedRights(key);
        } catch (io.calmdb.replication.keyspace.KeyspaceException e) {
            return;
        }
        List<ReplicaId> holders = new ArrayList<>();
        for (ReplicaId peer : config.peers()) {
            if (known.getOrDefault(peer, 0L) > 0) {
                holders.add(peer);
            }
        }
        holders.sort((a, b) -> Long.compare(known.get(b), known.get(a)));
        Map<ReplicaId, Long> asks = new LinkedHashMap<>();
        if (holders.isEmpty()) {
            if (!urgent) {
                return;
            }
            config.peers().forEach(peer -> asks.put(peer, needed));
        } else if (!urgent) {
            asks.put(holders.get(0), needed);
        } else {
            long left = needed;
            for (ReplicaId holder : holders) {
                long ask = Math.min(left, known.get(holder));
                if (ask > 0) {
                    asks.put(holder, ask);
                    left -= ask;
                }
            }
            if (left > 0) {
                asks.merge(holders.get(0), left, Long::sum);
            }
        }
        byte[] keyBytes = key.toByteArray();
        asks.forEach((peer, ask) -> {
            rightsRequestsSent++;
            effects.send(peer, ReplicationMessage.encode(new ReplicationMessage.RightsRequest(keyBytes, ask,
                    keyspace.boundedTransferred(key, peer, self), urgent)));
        });
    }

    private void onRightsRequest(ReplicaId from, ReplicationMessage.RightsRequest request, long nowMillis) {
        rightsRequestsReceived++;
        Bytes key = Bytes.copyOf(request.key());
        keyspace.setTaskTime(nowMillis);
        long held = keyspace.boundedLocalRights(key);
        long reserved = 0;
        for (RightsWaiter waiter : rightsWaiters) {
            if (waiter.key().equals(key)) {
                reserved += waiter.amount();
            }
        }
        // What this replica already gave the requester that the requester has not yet seen is on its way.
        long inFlight = Math.max(0, keyspace.boundedTransferred(key, self, from) - request.seenFromYou());
        long spare = Math.max(0, held - reserved);
        long give = Math.min(spare, request.amount() - inFlight);
        if (!request.urgent()) {
            give = Math.min(give, spare / 2);
        }
        if (give <= 0) {
            return;
        }
        Keyspace.Write<Long> transfer = keyspace.boundedTransfer(key, from, give, nowMillis);
        if (transfer.delta() != null) {
            commitLocal(transfer.delta());
            rightsTransfersGiven++;
            rightsGiven += transfer.reply();
        }
    }

    /** Serves waiting decrements whose rights arrived, oldest first per key. */
    private void serveRightsWaiters() {
        if (rightsWaiters.isEmpty()) {
            return;
        }
        java.util.Set<Bytes> blocked = new java.util.HashSet<>();
        for (Iterator<RightsWaiter> it = rightsWaiters.iterator(); it.hasNext(); ) {
            RightsWaiter waiter = it.next();
            if (blocked.contains(waiter.key())) {
                continue;
            }
            keyspace.setTaskTime(currentNowMillis);
            // Checked first: this runs after every message, and a refused decrement costs an exception.
            boolean enough = keyspace.boundedLocalRights(waiter.key()) >= waiter.amount();
            if (enough && tryBoundedDecrement(waiter.ticket(), waiter.key(), waiter.amount())) {
                it.remove();
            } else {
                blocked.add(waiter.key());
            }
        }
    }

    private void escrowTick(long nowMillis) {
        serveRightsWaiters();
        for (Iterator<RightsWaiter> it = rightsWaiters.iterator(); it.hasNext(); ) {
            RightsWaiter waiter = it.next();
            if (nowMillis >= waiter.deadlineMillis()) {
                it.remove();
                refuseForRights(waiter.ticket(), waiter.key(), waiter.amount(),
                        waiter.deadlineMillis() - waiter.requestedAtMillis());
            }
        }
        if (!rightsWaiters.isEmpty() && nowMillis >= nextRightsRequestAtMillis) {
            nextRightsRequestAtMillis = nowMillis + RIGHTS_REQUEST_RETRY_MILLIS;
            java.util.Set<Bytes> keys = new java.util.LinkedHashSet<>();
            rightsWaiters.forEach(waiter -> keys.add(waiter.key()));
            keys.forEach(key -> requestRights(key, neededFor(key), true));
        }
        if (nowMillis >= nextRebalanceAtMillis) {
            nextRebalanceAtMillis = nowMillis + RIGHTS_REBALANCE_INTERVAL_MILLIS;
            keyspace.setTaskTime(nowMillis);
            rightsDemand.forEach((key, used) -> {
                long held = keyspace.boundedLocalRights(key);
                if (held < used) {
                    requestRights(key, used - held, false);
                }
            });
            rightsDemand.clear();
        }
    }
}
