package io.calmdb.replication.core;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.KeyValue;
import java.util.Set;

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
     * A state transfer changed {@code keys} without log records; the driver must persist them (a checkpoint) for
     * the change to survive a restart. Until it does, anti-entropy repairs the loss after a crash.
     */
    void stateTransferred(Set<Bytes> keys);

    /** Something an operator should see in the log (a transfer started, a malformed message dropped). */
    void note(String message);
}
