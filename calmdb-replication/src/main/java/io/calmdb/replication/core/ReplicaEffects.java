package io.calmdb.replication.core;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.KeyValue;

/**
 * What a {@link ReplicaCore} asks its driver to do. The core calls these synchronously from inside its inputs; the
 * driver queues the real work (a socket write, a log append) and reports completions back as new inputs, for example
 * {@link ReplicaCore#onLocalDurable}. The server implements this over Netty and RocksDB, the simulator over its
 * simulated network and disk, so both run the same decisions.
 *
 * <p>Implementations must not call back into the core from inside these methods: a completion is a later input.
 */
public interface ReplicaEffects {
    /**
     * Sends {@code message} to {@code peer}. Returns false when the link cannot take it now (its queue is full or
     * the peer is unreachable); the core then retries on its own schedule, so the driver may simply drop it.
     */
    boolean send(ReplicaId peer, byte[] message);

    /**
     * Appends a local write's delta to the write-ahead log as record {@code sequence} of this replica. Once the
     * record is durable under the fsync policy the driver calls {@link ReplicaCore#onLocalDurable} with it; appends
     * complete in sequence order.
     */
    void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta);

    /** Appends a delta the causal stream delivered from another region (already applied to the keyspace). */
    void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta);

    /** Every local write up to and including {@code sequence} is durable: release the replies that wait on them. */
    void durableThrough(long sequence);

    /** The {@code WAIT} registered as {@code ticket} has its answer: {@code replicas} peers acknowledged. */
    void waitAnswered(long ticket, int replicas);

    /**
     * Starts a checkpoint that covers every record appended so far. The core then hands over the state of each key
     * changed since the previous checkpoint began ({@link #checkpointState}) and closes it with
     * {@link #checkpointCommit}; at most one checkpoint is under way at a time.
     */
    void checkpointBegin();

    /**
     * One key's self-contained state ({@code Keyspace.CODEC}'s encoding of {@code Keyspace.extract}), or null when
     * the key is gone; recovery joins these states and then replays the log records the checkpoint did not cover.
     */
    void checkpointState(Bytes key, byte[] encodedState);

    /**
     * Closes the checkpoint: the driver stores {@code context} and {@code delivered} with it (recovery restores the
     * context after replaying, so removals stay removed and no dot is given out twice) and commits it, after which
     * the log may be truncated through what it covers. Once the commit is durable, or has failed, the driver calls
     * {@link ReplicaCore#onCheckpointFinished}.
     */
    void checkpointCommit(io.calmdb.crdt.CausalContext context, io.calmdb.crdt.VersionVector delivered);

    /**
     * The bounded-counter decrement registered as {@code ticket} ({@link ReplicaCore#boundedDecrement}) has its answer:
     * the value after it, or {@code error} (a Redis error line) when it was refused. When {@code sequence} is above 0
     * the answer may go to the client only once local write {@code sequence} is durable ({@link #durableThrough}).
     * Drivers that serve bounded counters override this; the default refuses loudly rather than lose a reply.
     */
    default void boundedAnswered(long ticket, long sequence, long value, String error) {
        throw new UnsupportedOperationException("this driver does not serve bounded-counter decrements");
    }

    /** Something an operator should see in the log (a transfer started, a malformed message dropped). */
    void note(String message);
}
