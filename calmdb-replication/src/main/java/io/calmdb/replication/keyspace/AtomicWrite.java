package io.calmdb.replication.keyspace;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.OrMap;

/**
 * Several keyspace writes that replicate as one unit: a {@code MULTI}/{@code EXEC} transaction or a Lua script. Each
 * write is applied to the local keyspace as it happens (so the next command of the unit reads it); its delta is
 * joined into one combined delta, which the caller commits once ({@code ReplicaCore.commitLocal}): one log record,
 * one broadcast, one causal-stream message. A peer applies a message atomically, and recovery replays a record
 * atomically, so every replica shows all of the unit's writes or none of them.
 *
 * <p>Joining deltas is the lattice join, so the combined delta is exactly what applying the writes one by one gives
 * (a {@code SET} then {@code DEL} of one key combines into a removal that covers the set's dot). Its size is the sum
 * of the writes' deltas, never the size of the objects they touch. Not thread-safe: it lives inside one keyspace
 * task.
 */
public final class AtomicWrite {
    private OrMap<Bytes, KeyValue> delta;
    private int writes;

    /** Joins {@code write}'s delta (if it changed anything) and returns its reply. */
    public <R> R add(Keyspace.Write<R> write) {
        java.util.Objects.requireNonNull(write, "write");
        if (write.delta() != null) {
            delta = delta == null ? write.delta() : delta.merge(write.delta());
            writes++;
        }
        return write.reply();
    }

    /** The combined delta of every write added so far, or null when none changed anything. */
    public OrMap<Bytes, KeyValue> delta() {
        return delta;
    }

    /** How many of the added writes changed something. */
    public int writes() {
        return writes;
    }

    /** The unit as one write, for a driver that commits writes one at a time. */
    public <R> Keyspace.Write<R> toWrite(R reply) {
        return new Keyspace.Write<>(reply, delta);
    }
}
