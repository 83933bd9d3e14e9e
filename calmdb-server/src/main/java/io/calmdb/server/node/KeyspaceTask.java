package io.calmdb.server.node;

import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;

/**
 * Work a front door other than RESP (the HTTP API, the embedded API) runs against a node's keyspace with
 * {@link CalmNode#apply}. It runs on the keyspace thread, so it sees the keyspace alone and must not block.
 *
 * <p>A task that writes hands every {@link Keyspace.Write} to {@link Commits#commit}: the write's delta is then
 * logged and replicated exactly as a RESP write's is, and the task's future completes only once every delta it
 * committed is durable. This shape keeps the rule "acknowledge after the log" in one place instead of in each
 * front door.
 *
 * @param <T> what the task answers
 */
@FunctionalInterface
public interface KeyspaceTask<T> {
    /**
     * Runs against the keyspace.
     *
     * @param keyspace  the node's keyspace; read it freely, change it only through its write methods
     * @param commits   where each write's delta goes to be logged and replicated
     * @param nowMillis the wall-clock time to stamp writes with
     * @throws KeyspaceException when the keyspace refuses a command (wrong type, not an integer); writes
     *     committed before the refusal stay committed
     */
    T run(Keyspace keyspace, Commits commits, long nowMillis) throws KeyspaceException;

    /** Collects the deltas a task produced, in order. */
    interface Commits {
        /** Queues the write's delta (if any) for the log and replication, and returns its reply. */
        <R> R commit(Keyspace.Write<R> write);
    }
}
