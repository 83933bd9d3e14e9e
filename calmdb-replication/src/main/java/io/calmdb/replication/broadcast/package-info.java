/**
 * Sans-IO broadcast protocols: best-effort, eager reliable, FIFO and causal broadcast, gossip and anti-entropy.
 * Each protocol is a plain object driven by inputs (a peer message, a tick, a client broadcast, {@code now}) that
 * writes its outputs to an {@link io.calmdb.replication.broadcast.Outbox}; it depends only on calmdb-crdt and the JDK.
 */
package io.calmdb.replication.broadcast;
