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
     * A pub/sub message {@code origin} published (issue 9), arriving here at most once and in the order {@code origin}
     * published it: the driver hands it to this node's local subscribers. Nothing of it is stored.
     */
    default void published(ReplicaId origin, byte[] channel, byte[] message) {}

    /**
     * The quorum read registered as {@code ticket} ({@link ReplicaCore#quorumRead}) ended: on success the local
     * replica holds the merge of the answers and the driver runs the read command on it; on failure the client gets
     * {@link QuorumReadOutcome#error()}. A driver that never starts quorum reads need not implement it.
     */
    default void quorumReadAnswered(long ticket, QuorumReadOutcome outcome) {
        throw new UnsupportedOperationException("this driver does not serve quorum reads");
    }

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

    // ---- CLAIMS (issue 8)

    /**
     * {@link #appendLocal}, but the record must be synced to stable storage before {@link ReplicaCore#onLocalDurable}
     * reports it, whatever the fsync policy: the core uses it for an authority's claim decisions, which must survive
     * a power loss once anyone has heard them. Because appends complete in order, the records before it are durable
     * by then too. A driver that cannot force a sync must not run claims, hence the refusal by default.
     */
    default void appendLocalSynced(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
        throw new UnsupportedOperationException("this driver cannot force a sync, so it cannot host claim decisions");
    }

    /** The claim registered with {@code ticket} has its answer (a decision, PENDING, or a refusal). */
    default void claimAnswered(long ticket, io.calmdb.replication.claim.ClaimResult result) {
        throw new UnsupportedOperationException("this driver does not take claims");
    }
}
