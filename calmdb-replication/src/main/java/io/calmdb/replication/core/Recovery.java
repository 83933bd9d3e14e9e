package io.calmdb.replication.core;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Rebuilds a replica's keyspace from what its storage kept, in the one order that is right: the checkpointed key
 * states, then the log records the checkpoint does not cover (in log order), then the checkpointed causal context.
 * The server's RocksDB recovery and the simulator's restart both run this class, so the simulator checks the very
 * procedure a node runs.
 *
 * <p>The context goes last on purpose: it records dots as seen, and a record replayed after it would have its own
 * (not yet applied) dots taken for already-seen ones and dropped. Restoring it is what keeps removals removed across
 * a restart and keeps the replica from giving out a dot counter twice. The delivered vector a restarted core resumes
 * from is the checkpointed one joined with the origins of the replayed records.
 *
 * <p>Use once: states and records, then {@link #finish}. Not thread-safe.
 */
public final class Recovery {
    private final Keyspace keyspace;
    private final Set<Bytes> replayedKeys = new LinkedHashSet<>();
    private VersionVector replayedDelivered = VersionVector.empty();
    private long states;
    private long records;
    private boolean finished;

    /** A recovery into {@code keyspace}, which must be fresh. */
    public Recovery(Keyspace keyspace) {
        this.keyspace = java.util.Objects.requireNonNull(keyspace, "keyspace");
    }

    /**
     * Joins one checkpointed key state ({@code Keyspace.CODEC}'s encoding of {@code Keyspace.extract}).
     *
     * @throws CodecException if the bytes are not such a state
     */
    public void checkpointState(byte[] encodedState) throws CodecException {
        requireOpen();
        keyspace.apply(Codecs.decode(Keyspace.CODEC, encodedState));
        states++;
    }

    /**
     * Replays one log record the checkpoint does not cover, in log order: its delta, and its broadcast id
     * ({@code origin} and {@code originSequence}; sequence 0 for a record without one).
     *
     * @throws CodecException if the bytes are not a keyspace delta
     */
    public void logRecord(ReplicaId origin, long originSequence, byte[] encodedDelta) throws CodecException {
        requireOpen();
        OrMap<Bytes, KeyValue> delta = Codecs.decode(Keyspace.CODEC, encodedDelta);
        replayedKeys.addAll(keyspace.keysAnUnlistingDeltaMayRemove(delta));
        keyspace.apply(delta);
        replayedKeys.addAll(delta.touchedKeys());
        records++;
        if (originSequence > 0 && originSequence > replayedDelivered.get(origin)) {
            replayedDelivered = replayedDelivered.with(origin, originSequence);
        }
    }

    /**
     * Restores the checkpointed context (null when there was no checkpoint) and returns what the causal stream had
     * delivered by the recovered state: {@code checkpointedDelivered} joined with the replayed records' origins.
     */
    public VersionVector finish(CausalContext checkpointedContext, VersionVector checkpointedDelivered) {
        requireOpen();
        finished = true;
        if (checkpointedContext != null) {
            keyspace.restoreContext(checkpointedContext);
        }
        return checkpointedDelivered.merge(replayedDelivered);
    }

    /** The keys the replayed records touched: no checkpoint holds their state yet. */
    public Set<Bytes> replayedKeys() {
        return Collections.unmodifiableSet(replayedKeys);
    }

    public long states() {
        return states;
    }

    public long records() {
        return records;
    }

    private void requireOpen() {
        if (finished) {
            throw new IllegalStateException("this recovery has finished");
        }
    }
}
