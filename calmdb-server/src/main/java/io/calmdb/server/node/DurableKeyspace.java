package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.core.Recovery;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.server.storage.CorruptStorageException;
import io.calmdb.server.storage.LogRecord;
import io.calmdb.server.storage.NodeStorage;
import io.calmdb.server.storage.RecoveryVisitor;
import io.calmdb.server.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A replica's keyspace together with its durable copy: every delta applied to the keyspace (a local write or one
 * received from a peer) is appended to the write-ahead log, and checkpoints (paced by the replica core, written by
 * the node) store each changed key as a self-contained partial state plus the keyspace's causal context, so the log
 * can be truncated.
 *
 * <p>Recovery rebuilds exactly the durable state: the checkpointed key states, then every log record after the
 * checkpoint, then the persisted context. The context goes last on purpose: it records dots as seen, and a log
 * record replayed after it would have its own (not yet applied) dots taken for already-seen ones and dropped.
 * Restoring the context is what keeps removals removed across a restart and keeps this replica from reusing a dot
 * counter it had already given out.
 *
 * <p>Not thread-safe: the node's single keyspace thread owns it (the storage completes futures on its own threads).
 */
final class DurableKeyspace implements AutoCloseable {
    /** The metadata name under which checkpoints store the keyspace's causal context. */
    static final String CONTEXT_METADATA = "keyspace/context";
    /** The metadata name under which checkpoints store what the causal broadcast had delivered. */
    static final String DELIVERED_METADATA = "broadcast/delivered";

    private final Keyspace keyspace;
    private final NodeStorage storage;
    // Keys replayed from the log at recovery: in no checkpoint yet, so the core's next checkpoint must write them.
    private final Set<Bytes> replayedKeys = new LinkedHashSet<>();
    private long recoveredRecords;
    private long recoveredStates;
    private VersionVector recoveredDelivered = VersionVector.empty();

    private DurableKeyspace(Keyspace keyspace, NodeStorage storage) {
        this.keyspace = keyspace;
        this.storage = storage;
    }

    /**
     * Opens the storage, replays it into a fresh keyspace, and returns both.
     *
     * @throws CorruptStorageException if a record or state fails its checksum or does not decode as a keyspace delta
     */
    static DurableKeyspace open(StorageOptions options, Keyspace keyspace) {
        StorageRecovery visitor = new StorageRecovery(new Recovery(keyspace));
        NodeStorage storage = NodeStorage.open(options, visitor);
        DurableKeyspace durable = new DurableKeyspace(keyspace, storage);
        Recovery recovery = visitor.recovery;
        try {
            Optional<byte[]> context = storage.getMetadata(CONTEXT_METADATA);
            Optional<byte[]> delivered = storage.getMetadata(DELIVERED_METADATA);
            VersionVector checkpointed = delivered.isPresent()
                    ? CausalContext.decode(delivered.get()).versionVector() : VersionVector.empty();
            durable.recoveredDelivered = recovery.finish(
                    context.isPresent() ? CausalContext.decode(context.get()) : null, checkpointed);
        } catch (CodecException e) {
            storage.close();
            throw new CorruptStorageException("metadata " + CONTEXT_METADATA, e.getMessage());
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
        durable.recoveredRecords = recovery.records();
        durable.recoveredStates = recovery.states();
        durable.replayedKeys.addAll(recovery.replayedKeys());
        return durable;
    }

    Keyspace keyspace() {
        return keyspace;
    }

    NodeStorage storage() {
        return storage;
    }

    long recoveredRecords() {
        return recoveredRecords;
    }

    long recoveredStates() {
        return recoveredStates;
    }

    /**
     * What the causal broadcast had delivered (and, for this replica, sent) by the time of the durable state: the
     * checkpointed vector joined with the origins of the records replayed after it.
     */
    VersionVector recoveredDelivered() {
        return recoveredDelivered;
    }

    /** The keys recovery replayed from log records, which no checkpoint holds yet. */
    Set<Bytes> replayedKeys() {
        return replayedKeys;
    }

    /**
     * Appends a delta that has already been applied to the keyspace; the future completes with its log position
     * once it is durable under the fsync policy. Call it in the order deltas were applied. The record is tagged
     * with the delta's causal-broadcast id (origin replica and its sequence number), which recovery uses to resume
     * the broadcast where it stopped.
     */
    CompletableFuture<Long> log(OrMap<Bytes, KeyValue> delta, ReplicaId origin, long originSequence) {
        return log(delta, Codecs.encode(Keyspace.CODEC, delta), origin, originSequence);
    }

    /**
     * The same as {@link #log(OrMap, ReplicaId, long)} for a caller that already holds the delta's encoding
     * ({@code encodedDelta} must be {@code Keyspace.CODEC}'s encoding of {@code delta}): the node encodes each delta
     * once and uses the bytes for both the log and the causal broadcast.
     */
    CompletableFuture<Long> log(OrMap<Bytes, KeyValue> delta, byte[] encodedDelta, ReplicaId origin, long originSequence) {
        return storage.append(origin.name().getBytes(StandardCharsets.UTF_8), originSequence, encodedDelta);
    }

    /** {@link #log(OrMap, byte[], ReplicaId, long)}, synced before the future completes whatever the fsync policy. */
    CompletableFuture<Long> logSynced(byte[] encodedDelta, ReplicaId origin, long originSequence) {
        return storage.appendSynced(origin.name().getBytes(StandardCharsets.UTF_8), originSequence, encodedDelta);
    }

    /** Starts a checkpoint covering every record appended so far; the replica core decides when and what. */
    Checkpoint beginCheckpoint() {
        return new Checkpoint(storage.beginCheckpoint());
    }

    /** A checkpoint being written: one key state after another, then the commit with the context. */
    final class Checkpoint {
        private final io.calmdb.server.storage.CheckpointWriter writer;
        private long keysWritten;

        private Checkpoint(io.calmdb.server.storage.CheckpointWriter writer) {
            this.writer = writer;
        }

        /** Stores one key's self-contained state, or its removal when {@code encodedState} is null. */
        void put(Bytes key, byte[] encodedState) {
            if (encodedState == null) {
                writer.removeState(key.toByteArray());
            } else {
                writer.putState(key.toByteArray(), encodedState);
            }
            keysWritten++;
        }

        long keysWritten() {
            return keysWritten;
        }

        /**
         * Stores the context and delivered vector, then the commit marker that makes the checkpoint count (so
         * recovery never starts from a checkpoint without its context), and truncates the log through what it
         * covers once the commit is durable.
         */
        CompletableFuture<Long> commit(CausalContext context, VersionVector delivered) {
            storage.putMetadata(CONTEXT_METADATA, context.encode());
            storage.putMetadata(DELIVERED_METADATA, CausalContext.of(delivered).encode());
            return writer.commit().thenApply(covered -> {
                storage.truncateLogThrough(covered);
                return covered;
            });
        }
    }

    @Override
    public void close() {
        storage.close();
    }

    /** Rebuilds the keyspace from checkpointed states and log records, rejecting anything that does not decode. */
    /** Feeds what RocksDB kept to the core's {@link Recovery}, turning anything that does not decode into corruption. */
    private static final class StorageRecovery implements RecoveryVisitor {
        private final Recovery recovery;

        StorageRecovery(Recovery recovery) {
            this.recovery = recovery;
        }

        @Override
        public void checkpointState(byte[] key, byte[] state) {
            try {
                recovery.checkpointState(state);
            } catch (CodecException e) {
                throw new CorruptStorageException("checkpointed state of key " + Bytes.copyOf(key),
                        "does not decode as a keyspace delta: " + e.getMessage());
            }
        }

        @Override
        public void logRecord(LogRecord record) {
            ReplicaId origin = null;
            if (record.originSequence() > 0) {
                try {
                    origin = ReplicaId.of(new String(record.key(), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw new CorruptStorageException("log record at position " + record.position(),
                            "its origin is not a replica id: " + e.getMessage());
                }
            }
            try {
                recovery.logRecord(origin, record.originSequence(), record.payload());
            } catch (CodecException e) {
                throw new CorruptStorageException("log record at position " + record.position(),
                        "does not decode as a keyspace delta: " + e.getMessage());
            }
        }
    }
}
